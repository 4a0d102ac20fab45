# Every bundled example: explore finds the bug, the fixed twin passes.
. "$(dirname "$0")/common.inc"
for ex in lost_update lock_order timeout_race lost_wakeup early_close slot_leak null_deref; do
    expect_rc 1 "$EX/$ex" explore "$ex" --iterations 10000
    expect_rc 0 "$EX/$ex" explore "${ex}_fixed" --iterations 10000
done
expect_rc 1 "$EX/lock_order" explore lock_order
expect_grep 'deadlock: every task is blocked' "$TMP/out"
expect_grep "held by task" "$TMP/out"
expect_grep "lock_order.c:[0-9]" "$TMP/out"

# a crashing program does not end the campaign: every execution runs, the
# crash is reported with a seed, stored, and replays as a crash
expect_rc 1 "$EX/null_deref" explore null_deref --keep-going --iterations 300 --jobs 2 \
    --db "$TMP/c.db" --json
expect_grep '"executions":300' "$TMP/out"
expect_grep '"kind":"crash"' "$TMP/out"
expect_grep 'died of signal 11' "$TMP/out"
expect_rc 1 "$B/weft" --db "$TMP/c.db" replay 1
expect_grep 'reproduced: crash' "$TMP/out"
finish
