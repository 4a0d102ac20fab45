# Every bundled example: explore finds the bug, the fixed twin passes.
. "$(dirname "$0")/common.inc"
for ex in lost_update lock_order timeout_race lost_wakeup early_close slot_leak; do
    expect_rc 1 "$EX/$ex" explore "$ex" --iterations 10000
    expect_rc 0 "$EX/$ex" explore "${ex}_fixed" --iterations 10000
done
expect_rc 1 "$EX/lock_order" explore lock_order
expect_grep 'deadlock: every task is blocked' "$TMP/out"
expect_grep "held by task" "$TMP/out"
expect_grep "lock_order.c:[0-9]" "$TMP/out"
finish
