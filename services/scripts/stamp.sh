#!/bin/sh
# The web app's log consumer: reads its output on stdin and prints each line with the time.
trap 'exit 0' TERM INT
while IFS= read -r line; do
  echo "$(date +%H:%M:%S) $line"
done
