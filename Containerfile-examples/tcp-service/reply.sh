#!/bin/sh
# One connection: read a line, answer it.
read -r line
echo "hello from $(hostname): ${line}"
