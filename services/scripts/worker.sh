#!/bin/sh
# The example worker: processes a "job" every few seconds.
set -eu
trap 'echo "worker: stopping"; exit 0' TERM INT
version=$(cat "$STATE_DIR/schema-version")
echo "worker: started against schema $version"
while :; do
  sleep 3 &
  wait $! || true
  echo "worker: did a job"
done
