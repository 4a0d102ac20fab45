# make demo's script runs to completion and shows the reproduced failure.
. "$(dirname "$0")/common.inc"
expect_rc 0 sh "$S/examples/demo.sh" "$B"
expect_grep 'reproduced: deadlock' "$TMP/out"
finish
