# Every bundled example: explore finds the bug, the fixed twin passes.
. "$(dirname "$0")/common.inc"
for ex in lost_update lock_order timeout_race lost_wakeup early_close slot_leak null_deref \
    use_before_init flag_rollout narrow_window polite_spoon disk_full lock_leak double_charge \
    philosophers double_release pool_starvation crawler; do
    expect_rc 1 "$EX/$ex" explore "$ex" --iterations 10000
    expect_rc 0 "$EX/$ex" explore "${ex}_fixed" --iterations 10000
done

# the zoo's failure kinds: a livelock in the fair tail (the fixed twin ends
# under every fair schedule, so a small --max-steps is enough), a misuse,
# a three-way deadlock
expect_rc 1 "$EX/polite_spoon" explore polite_spoon --max-steps 2000 --no-db
expect_grep '^FAIL polite_spoon: livelock' "$TMP/out"
expect_rc 0 "$EX/polite_spoon" explore polite_spoon_fixed --max-steps 2000 --no-db
expect_rc 1 "$EX/double_release" explore double_release --no-db
expect_grep '^FAIL double_release: misuse' "$TMP/out"
expect_grep 'released past its maximum' "$TMP/out"
expect_rc 1 "$EX/philosophers" explore philosophers --no-db
expect_grep 'philosopher 0.*held by task.*philosopher 1' "$TMP/out"
expect_grep 'philosopher 2.*held by task.*philosopher 0' "$TMP/out"

# an injected fault replays exactly from the printed command
expect_rc 1 "$EX/disk_full" explore disk_full --no-db
cmd=$(sed -n 's/^  replay: //p' "$TMP/out" | head -n 1)
case $cmd in
*/disk_full\ replay\ disk_full\ *) expect_rc 1 "$EX/disk_full" ${cmd#*/disk_full } --no-db ;;
*) fail "no replay command for disk_full: '$cmd'" ;;
esac
expect_rc 0 "$EX/disk_full" explore disk_full --strategy random --no-db # injection off

# dfs proves the small fixed twins, with injected cancellations, timeouts
# and faults explored too
for ex in philosophers narrow_window polite_spoon disk_full pool_starvation; do
    expect_rc 0 "$EX/$ex" explore "${ex}_fixed" --strategy dfs --no-db \
        --cancel-rate 0.1 --timeout-rate 0.1 --inject-rate 0.1
    expect_grep "^${ex}_fixed: all [0-9]* schedules explored, no failure" "$TMP/out"
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
case "${WEFT_SANITIZE:-OFF}" in
    ON|1|TRUE|true) expect_grep 'a sanitizer' "$TMP/out" ;;  # UBSan ends it first
    *) expect_grep 'died of signal 11' "$TMP/out" ;;
esac
expect_rc 1 "$B/weft" --db "$TMP/c.db" replay 1
expect_grep 'reproduced: crash' "$TMP/out"
finish
