#!/bin/sh
# Writes a line every two seconds (to a pipe that ticker-log reads).
trap 'exit 0' TERM INT
n=0
while :; do
  n=$((n + 1))
  echo "tick $n"
  sleep 2 &
  wait $! || true
done
