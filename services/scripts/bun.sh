#!/bin/sh
# Runs a Bun script with whichever Bun is at hand: `bun` on PATH (in a checkout, npm puts
# node_modules/.bin first), else bosun's own compiled binary, which acts as bun when
# BUN_BE_BUN=1 is set (the container image ships no other Bun).
if command -v bun >/dev/null 2>&1; then exec bun "$@"; fi
BUN_BE_BUN=1 exec bosun "$@"
