# `BIN fuzz`: libFuzzer chooses the schedule. Finds lost_update's bug, stores
# it, replays the crash artifact and the stored failure; a -fork=2 campaign
# on the fixed twin ends cleanly with a corpus and a finished campaign row; a
# -fork=2 run on the buggy test records its children's failures in one
# store. Skipped (and said so) when the examples lack libFuzzer.
. "$(dirname "$0")/common.inc"
BIN=$EX/lost_update
WEFT=$B/weft
cd "$TMP" || exit 1
if [ ! -x "$BIN" ]; then
    echo "SKIP: $BIN not built (examples off)"
    exit 0
fi
"$BIN" fuzz lost_update -runs=1 --no-db >"$TMP/probe" 2>&1
if grep -q "without libFuzzer" "$TMP/probe"; then
    echo "SKIP: the example binaries are linked without libFuzzer (needs clang's libclang_rt.fuzzer_no_main)"
    exit 0
fi

# q DB SQL: the first column of the first row (python3's sqlite3: no
# sqlite3 command needed).
q() {
    python3 -c 'import sqlite3, sys
r = sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()
print("" if r is None or r[0] is None else r[0])' "$1" "$2"
}

# 1. single process: the bug, its artifact, its row, both replays
mkdir -p "$TMP/a"
"$BIN" fuzz lost_update -runs=200000 -seed=1 -artifact_prefix="$TMP/a/" \
    --db "$TMP/a.db" >"$TMP/fuzz1.log" 2>&1
rc=$?
if [ "$rc" != 0 ]; then ok "fuzz lost_update exits $rc (bug found)"; else
    fail "fuzz lost_update found nothing in 200000 runs"; tail -20 "$TMP/fuzz1.log" >&2; fi
expect_grep "FAIL lost_update: assert" "$TMP/fuzz1.log"
expect_grep "stored in $TMP/a.db" "$TMP/fuzz1.log"
crash=$(ls "$TMP"/a/crash-* 2>/dev/null | head -1)
if [ -n "$crash" ]; then ok "artifact $(basename "$crash")"; else
    fail "no crash- artifact in $TMP/a"; ls -la "$TMP/a" >&2; fi
expect_rc 0 "$WEFT" --db "$TMP/a.db" list
expect_grep "lost_update .*assert" "$TMP/out"
expect_rc 1 "$BIN" replay lost_update --trace "$crash"
expect_grep "reproduced: assert" "$TMP/out"
# the same bytes under another name are not taken for a trace file
cp "$crash" "$TMP/notanartifact.bin"
expect_rc 2 "$BIN" replay lost_update --trace "$TMP/notanartifact.bin"
id=$(q "$TMP/a.db" "SELECT min(id) FROM failures")
expect_rc 1 "$WEFT" --db "$TMP/a.db" replay "$id"
expect_grep "reproduced: assert" "$TMP/out"
expect_rc 1 "$BIN" replay lost_update --db "$TMP/a.db" --id "$id"
expect_grep "reproduced" "$TMP/out"
strategy=$(q "$TMP/a.db" "SELECT strategy FROM schedules LIMIT 1")
[ "$strategy" = fuzz ] && ok "schedule strategy fuzz" || fail "schedule strategy '$strategy'"

# 2. an overnight-style campaign, shortened: -fork=2 on the fixed twin
mkdir -p "$TMP/b" && cd "$TMP/b" || exit 1
start=$(date +%s)
"$BIN" fuzz lost_update_fixed -fork=2 --time-limit 3 --db "$TMP/b.db" \
    >"$TMP/fuzz2.log" 2>&1
rc=$?
took=$(( $(date +%s) - start ))
if [ "$rc" = 0 ]; then ok "fork=2 campaign on lost_update_fixed ends cleanly in ${took}s"; else
    fail "fork=2 campaign exited $rc"; tail -20 "$TMP/fuzz2.log" >&2; fi
[ "$took" -le 20 ] || fail "--time-limit 3 took ${took}s"
n=$(ls "$TMP/b/corpus/lost_update_fixed" 2>/dev/null | wc -l)
[ "$n" -gt 0 ] && ok "corpus/lost_update_fixed holds $n inputs" ||
    fail "no corpus in $TMP/b/corpus/lost_update_fixed"
execs=$(q "$TMP/b.db" "SELECT executions FROM campaigns")
ended=$(q "$TMP/b.db" "SELECT ended FROM campaigns")
rows=$(q "$TMP/b.db" "SELECT count(*) FROM campaigns")
[ "$rows" = 1 ] && ok "one campaign row for the parent and its children" ||
    fail "$rows campaign rows"
[ "${execs:-0}" -gt 0 ] && ok "campaign executions $execs" || fail "campaign executions '$execs'"
[ -n "$ended" ] && ok "campaign ended $ended" || fail "campaign row has no end"
fails=$(q "$TMP/b.db" "SELECT count(*) FROM failures")
[ "$fails" = 0 ] && ok "no failures in the fixed twin" || fail "$fails failures in lost_update_fixed"
# it resumes from its corpus: a second run reads the inputs back
"$BIN" fuzz lost_update_fixed -runs=10 --db "$TMP/b.db" >"$TMP/fuzz2b.log" 2>&1 ||
    fail "resumed run exited $?"
expect_grep "$n files found in corpus/lost_update_fixed" "$TMP/fuzz2b.log"

# 3. -fork=2 on the buggy test: the children's failures land in one store
mkdir -p "$TMP/c" && cd "$TMP/c" || exit 1
"$BIN" fuzz lost_update -fork=2 -ignore_crashes=1 --time-limit 2 -artifact_prefix="$TMP/c/" \
    --db "$TMP/c.db" >"$TMP/fuzz3.log" 2>&1
rc=$?
[ "$rc" != 0 ] && ok "fork=2 on lost_update exits $rc" || fail "fork=2 on lost_update exited 0"
crashes=$(ls "$TMP"/c/crash-* 2>/dev/null | wc -l)
hits=$(q "$TMP/c.db" "SELECT coalesce(sum(hits), 0) FROM failure_hits")
cfail=$(q "$TMP/c.db" "SELECT failures FROM campaigns")
[ "$crashes" -gt 0 ] && ok "$crashes crash artifacts" || fail "no crash artifacts from the children"
[ "${hits:-0}" -ge "$crashes" ] && [ "${hits:-0}" -gt 1 ] &&
    ok "$hits hits recorded by the children (campaign failures $cfail)" ||
    fail "hits '$hits' for $crashes artifacts"
expect_rc 0 "$WEFT" --db "$TMP/c.db" list
expect_grep "lost_update .*assert" "$TMP/out"
id=$(q "$TMP/c.db" "SELECT min(id) FROM failures")
expect_rc 1 "$WEFT" --db "$TMP/c.db" replay "$id"
expect_grep "reproduced: assert" "$TMP/out"
bad=0
for f in "$TMP"/c/crash-*; do
    "$BIN" replay lost_update --trace "$f" >"$TMP/r.log" 2>&1
    [ $? = 1 ] && grep -q "reproduced: assert" "$TMP/r.log" || { bad=$((bad + 1)); cat "$TMP/r.log" >&2; }
done
[ "$bad" = 0 ] && ok "every one of the $crashes artifacts reproduces" ||
    fail "$bad of $crashes artifacts do not reproduce"
cd "$TMP" || exit 1
finish
