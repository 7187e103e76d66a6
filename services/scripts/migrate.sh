#!/bin/sh
# One-shot setup: creates the state directory and records a schema version.
set -eu
mkdir -p "$STATE_DIR"
echo 3 > "$STATE_DIR/schema-version"
echo "migrate: state in $STATE_DIR at schema version 3"
