#!/bin/sh
# Reads ticker's lines on stdin and prints each with the time it arrived.
trap 'exit 0' TERM INT
while IFS= read -r line; do
  echo "$(date +%H:%M:%S) ticker said: $line"
done
