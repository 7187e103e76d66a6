#!/bin/sh
# The example app: signals readiness on fd 3, then works until told to stop.
set -eu
ready="$STATE_DIR/app.ready"
trap 'rm -f "$ready"; echo "app: stopping"; exit 0' TERM INT
echo "app: starting ($1)"
: > "$ready"
echo ready >&3
exec 3>&-
n=0
while :; do
  n=$((n + 1))
  echo "app: serving, tick $n"
  sleep 5 &
  wait $! || true
done
