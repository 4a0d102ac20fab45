#!/bin/sh
# make demo: explore a bundled example until weft finds its bug, show the
# failure, record it in ./weft.db, then replay it — from the store, from its
# seed and from its recorded schedule — and show that it reproduces.
set -eu
BUILD=${1:-build}
EX=$BUILD/examples
WEFT=$BUILD/weft
TRACE=$BUILD/demo-lock_order.trace

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "the tests in examples/lock_order.c"
"$EX/lock_order" list

say "explore lock_order: run random schedules until one fails"
set +e
"$EX/lock_order" explore lock_order --iterations 10000 --trace-out "$TRACE" >"$BUILD/demo.out"
rc=$?
set -e
cat "$BUILD/demo.out"
if [ "$rc" != 1 ]; then
    echo "demo: expected explore to find the deadlock (exit 1), got $rc" >&2
    exit 1
fi
replay_args=$(sed -n 's/.*replay: .* replay lock_order //p' "$BUILD/demo.out" | head -n 1)

say "the failure store: weft list"
"$WEFT" list
id=$("$WEFT" list | awk '$2 == "lock_order" && $3 == "deadlock" { print $1; exit }')
[ -n "$id" ] || { echo "demo: the deadlock is not in weft.db" >&2; exit 1; }

say "weft replay $id: run the recorded binary on the stored schedule"
set +e
"$WEFT" replay "$id"
rc=$?
set -e
[ "$rc" = 1 ] || { echo "demo: weft replay did not reproduce the failure" >&2; exit 1; }

say "replay it from its seed ($replay_args): the same schedule, the same failure"
set +e
"$EX/lock_order" replay lock_order $replay_args
rc=$?
set -e
[ "$rc" = 1 ] || { echo "demo: the replay did not reproduce the failure" >&2; exit 1; }

say "replay it from the recorded schedule ($TRACE)"
set +e
"$EX/lock_order" replay lock_order --trace "$TRACE" --quiet
rc=$?
set -e
[ "$rc" = 1 ] || { echo "demo: the trace replay did not reproduce the failure" >&2; exit 1; }

say "the fixed version survives 10000 schedules"
"$EX/lock_order" explore lock_order_fixed --iterations 10000

say "the other bundled bugs, each beside its fixed twin"
for ex in lost_update timeout_race lost_wakeup early_close slot_leak; do
    set +e
    "$EX/$ex" explore "$ex" --iterations 10000 --no-db >"$BUILD/demo.out"
    rc=$?
    set -e
    [ "$rc" = 1 ] || { echo "demo: explore did not find the bug in $ex" >&2; exit 1; }
    printf '%-14s %s\n' "$ex:" "$(sed -n 's/^FAIL [^:]*: //p' "$BUILD/demo.out" | head -n 1), $(sed -n 's/.*strategy \(.*\), seed \([0-9]*\).*/\1 seed \2/p' "$BUILD/demo.out" | head -n 1)"
    "$EX/$ex" explore "${ex}_fixed" --iterations 10000 --no-db >"$BUILD/demo.out" ||
        { echo "demo: ${ex}_fixed failed" >&2; cat "$BUILD/demo.out"; exit 1; }
    printf '%-14s %s\n' "  fixed:" "$(sed -n 's/^explore [^:]*: //p' "$BUILD/demo.out")"
done

say "done: found, replayed, reproduced. Next: README.md, 'Write your first test'."
