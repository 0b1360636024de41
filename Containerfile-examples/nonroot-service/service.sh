#!/bin/sh
# Proves where and as whom it runs: writes into its own data dir.
echo "started" > state
echo "user=$(id -un) uid=$(id -u) pwd=$(pwd) state=$(cat state)"
