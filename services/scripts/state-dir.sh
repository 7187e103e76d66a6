# Sourced by the example's scripts: STATE_DIR, unless given, is a directory of this user's own.
: "${STATE_DIR:=${TMPDIR:-/tmp}/bosun-example-$(id -u)}"
export STATE_DIR
