#!/bin/sh
# A long-running service that exits at SIGTERM (as PID 1, a shell ignores it).
echo "$ROLE: $(cat /greeting) (version 1)"
trap 'echo "$ROLE: stopping"; exit 0' TERM
while :; do sleep 0.2; done
