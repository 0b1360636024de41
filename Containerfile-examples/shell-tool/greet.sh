#!/bin/sh
printf 'Hello, %s!\n' "$*"
