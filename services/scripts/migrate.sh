#!/bin/sh
# One-shot setup before the app starts: creates the state directory and records a schema
# version (run-once: a restart of what it depends on does not run it again).
set -eu
. "$(dirname "$0")/state-dir.sh"
mkdir -p "$STATE_DIR"
echo 3 > "$STATE_DIR/schema-version"
echo "migrate: state in $STATE_DIR at schema version 3"
