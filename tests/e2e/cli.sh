# The test-binary command line: list, explore, replay by seed and by trace,
# JSON, exit codes, and bad input (exit 2 with a one-line message).
. "$(dirname "$0")/common.inc"
LU=$EX/lost_update

expect_rc 0 "$LU" list
expect_grep '^lost_update$' "$TMP/out"
expect_grep '^lost_update_fixed$' "$TMP/out"
expect_rc 0 "$LU" --help
expect_grep 'explore NAME' "$TMP/out"

# explore finds the bug, prints a replay command, writes the trace
expect_rc 1 "$LU" explore lost_update --trace-out "$TMP/t.trace"
expect_grep 'FAIL lost_update: assert' "$TMP/out"
expect_grep 'replay: .* replay lost_update --seed' "$TMP/out"
seed=$(sed -n 's/.*--seed \([0-9]*\).*/\1/p' "$TMP/out" | head -n 1)
replay_args=$(sed -n 's/.* replay lost_update //p' "$TMP/out" | head -n 1)  # --seed S [--strategy ST]
[ -s "$TMP/t.trace" ] && ok "trace written" || fail "no trace file"

# replaying by seed and by trace reproduces the same failure and schedule
sched=$(sed -n 's/.*schedule \([0-9a-f]*\).*/\1/p' "$TMP/out" | head -n 1)
expect_rc 1 "$LU" replay lost_update $replay_args
expect_grep "schedule $sched" "$TMP/out"
expect_grep 'reproduced: assert' "$TMP/out"
expect_rc 1 "$LU" replay lost_update --trace "$TMP/t.trace"
expect_grep 'reproduced: assert' "$TMP/out"
expect_grep "schedule $sched" "$TMP/out"

# the fixed twin passes; run prints its schedule
expect_rc 0 "$LU" explore lost_update_fixed --iterations 2000
expect_rc 0 "$LU" run lost_update_fixed --seed 3 --verbose
expect_grep 'pick' "$TMP/out"

# JSON: one object on stdout with the contract's fields
expect_rc 1 "$LU" explore lost_update --json
for k in '"test":"lost_update"' '"strategy":"auto"' '"executions":' '"failures":\[{"kind":"assert"' \
         '"first_failure_execution":' '"distinct_schedules":' '"elapsed_s":' '"seed":' '"steps":'; do
    expect_grep "$k" "$TMP/out"
done
[ "$(wc -l <"$TMP/out")" = 1 ] && ok "json is one line" || fail "json output is not one line"

# determinism: the same seeds give the same failures in two processes
"$LU" explore lost_update --seed 100 --iterations 500 --keep-going --json 2>/dev/null |
    sed 's/"elapsed_s":[0-9.]*//' >"$TMP/a"
"$LU" explore lost_update --seed 100 --iterations 500 --keep-going --json 2>/dev/null |
    sed 's/"elapsed_s":[0-9.]*//' >"$TMP/b"
cmp -s "$TMP/a" "$TMP/b" && ok "same JSON twice" || fail "two runs differ"

# bad input: exit 2, one line
expect_rc 2 "$LU" explore no_such_test
expect_grep "unknown test 'no_such_test'" "$TMP/err"
expect_rc 2 "$LU" explore lost_update --iterations ten
expect_grep "not a positive whole number" "$TMP/err"
expect_rc 2 "$LU" explore lost_update --strategy bogus
expect_grep "unknown strategy" "$TMP/err"
expect_rc 2 "$LU" explore lost_update --inject-rate 1.5
expect_rc 2 "$LU" frobnicate
expect_rc 2 "$LU"
printf 'garbage' >"$TMP/bad.trace"
expect_rc 2 "$LU" replay lost_update --trace "$TMP/bad.trace"
expect_grep "bad trace" "$TMP/err"
[ "$(wc -l <"$TMP/err")" = 1 ] && ok "one-line error" || fail "error is not one line"
head -c 20 "$TMP/t.trace" >"$TMP/short.trace"
expect_rc 2 "$LU" replay lost_update --trace "$TMP/short.trace"
expect_rc 2 "$LU" replay lost_update --trace "$TMP/missing.trace"
expect_rc 2 "$LU" replay lost_update_fixed --trace "$TMP/t.trace"
expect_grep "recorded for test 'lost_update'" "$TMP/err"
finish
