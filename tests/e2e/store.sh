# The SQLite failure store end to end: recording from explore/run (and the
# default ./weft.db, --no-db), a campaign killed with SIGKILL, 8 processes
# recording at once, bad input (exit 2, one line, the file untouched),
# merge, gc, minimize, and replay against a changed binary.
#
# Inspecting and damaging stores needs SQL: python3's sqlite3 module, or the
# sqlite3 shell. Without either those checks are skipped with a message.
. "$(dirname "$0")/common.inc"
W=$B/weft
LU=$EX/lost_update
EC=$EX/early_close
SL=$EX/slot_leak

if command -v python3 >/dev/null 2>&1 && python3 -c 'import sqlite3' 2>/dev/null; then
    HAVE_SQL=python3
elif command -v sqlite3 >/dev/null 2>&1; then
    HAVE_SQL=sqlite3
else
    HAVE_SQL=
    echo "skip: neither python3 (sqlite3 module) nor the sqlite3 shell: SQL checks skipped"
fi
# sql DB STATEMENT...: runs the statements (autocommit), prints rows as a|b|c.
sql() {
    if [ "$HAVE_SQL" = python3 ]; then
        python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None)
for s in sys.argv[2:]:
    for r in c.execute(s):
        print("|".join(str(x) for x in r))
c.close()' "$@"
    else
        db=$1; shift
        for s in "$@"; do sqlite3 -batch "$db" "$s" || return 1; done
    fi
}
skip_sql() { [ -n "$HAVE_SQL" ] && return 1; echo "skip: $* (no python3 sqlite3 module or sqlite3 shell)"; }
md5() { md5sum <"$1" | cut -d' ' -f1; }
# hits DB TEST: the test's total hit count in `weft list`
hits() { "$W" --db "$1" list 2>/dev/null | awk -v t="$2" '$2 == t { s += $4 } END { print s + 0 }'; }
# json_failed FILE: failed_executions of the --json line in FILE
json_failed() { sed -n 's/.*"failed_executions":\([0-9]*\).*/\1/p' "$1" | tail -n 1; }
one_line() {
    if [ "$(wc -l <"$TMP/err")" = 1 ]; then ok "one-line message: $(cat "$TMP/err")"; else
        fail "stderr is not one line"; cat "$TMP/err" >&2; fi
}
# expect_bad WANT_TEXT CMD...: exit 2, a one-line message containing WANT_TEXT
expect_bad() {
    local text=$1; shift
    expect_rc 2 "$@"
    one_line
    expect_grep "$text" "$TMP/err"
}
unchanged() { # unchanged FILE SUM WHAT
    if [ "$(md5 "$1")" = "$2" ]; then ok "$3: $1 untouched"; else fail "$3: $1 was modified"; fi
}
no_store_errors() { # no_store_errors FILE WHAT
    if grep -q -e '^weft:' -e 'database is locked' -e 'failure store' "$1"; then
        fail "$2: errors on stderr:"; grep -e '^weft:' -e 'locked' -e 'failure store' "$1" >&2
    else ok "$2: no store error on stderr"; fi
}

# --------------------------------------------------------------------
# 1. explore records; list, show, replay (weft and the binary)
A=$TMP/a.db
expect_rc 1 "$LU" explore lost_update --db "$A"
expect_grep "recorded in $A" "$TMP/out"
expect_rc 0 "$W" --db "$A" list
expect_grep '^ *1  *lost_update  *assert  *1  ' "$TMP/out"
[ "$(grep -c 'lost_update' "$TMP/out")" = 1 ] && ok "one failure listed" || fail "list: not exactly one failure"
expect_rc 0 "$W" --db "$A" show 1
expect_grep 'failure 1: assert in test lost_update at examples/lost_update.c' "$TMP/out"
expect_grep 'assertion failed: balance == 100 + deposited' "$TMP/out"
expect_grep 'hits 1, first seen 20' "$TMP/out"
expect_grep 'schedules (best first):' "$TMP/out"
rows=$(awk '/schedules \(best first\)/ { f = 1; getline; next } /replay:/ { f = 0 } f' "$TMP/out" | wc -l)
[ "$rows" -ge 1 ] && ok "show lists $rows schedule(s)" || fail "show lists no schedule"
seed=$(awk '/schedules \(best first\)/ { getline; getline; print $2; exit }' "$TMP/out")
expect_grep "weft --db $A replay 1" "$TMP/out"
expect_grep "lost_update replay lost_update --db $A --id 1" "$TMP/out"
expect_grep "lost_update replay lost_update --seed $seed" "$TMP/out"
# the seed and strategy options of the by-seed replay command
by_seed=$(sed -n 's/.* replay lost_update \(--seed .*\)$/\1/p' "$TMP/out")
expect_rc 1 "$W" --db "$A" replay 1
expect_grep 'reproduced: assert' "$TMP/out"
expect_rc 1 "$LU" replay lost_update --db "$A" --id 1
expect_grep 'reproduced: assert' "$TMP/out"
# run records too (one execution, its seed)
expect_rc 1 "$LU" run lost_update $by_seed --db "$TMP/run.db"
expect_rc 0 "$W" --db "$TMP/run.db" list
expect_grep '^ *1  *lost_update  *assert  *1  ' "$TMP/out"

# --keep-going: every failing execution is a hit; at most 8 schedules kept
Bdb=$TMP/b.db
expect_rc 1 "$LU" explore lost_update --keep-going --iterations 20000 --db "$Bdb" --json
failed=$(json_failed "$TMP/out")
h=$(hits "$Bdb" lost_update)
[ "$h" -gt 1 ] && [ "$h" = "$failed" ] && ok "keep-going: hits $h = failed_executions" ||
    fail "keep-going: hits $h, failed_executions $failed"
"$W" --db "$Bdb" show 1 >"$TMP/out" 2>&1
kept=$(sed -n 's/.* \([0-9]*\) schedules\{0,1\} kept.*/\1/p' "$TMP/out")
[ -n "$kept" ] && [ "$kept" -ge 1 ] && [ "$kept" -le 8 ] && ok "keep-going: $kept schedule(s) kept (<= 8)" ||
    fail "keep-going: '$kept' schedules kept"
# several campaigns of a test with many distinct failing schedules: the
# store keeps the 8 shortest of them
K8=$TMP/k8.db
for s in 0 100000 200000; do
    "$EC" explore early_close --keep-going --iterations 3000 --seed $s --db "$K8" >/dev/null 2>&1
done
expect_rc 0 "$W" --db "$K8" show 1
kept=$(sed -n 's/.* \([0-9]*\) schedules\{0,1\} kept.*/\1/p' "$TMP/out")
rows=$(awk '/schedules \(best first\)/ { f = 1; getline; next } /replay:/ { f = 0 } f' "$TMP/out" | wc -l)
[ "$kept" = 8 ] && [ "$rows" = 8 ] && ok "3 campaigns: 8 schedules kept" ||
    fail "3 campaigns: $kept schedules kept, $rows shown (want 8)"
short=$("$W" --db "$K8" list | awk '$2 == "early_close" { print $(NF-1) }')
minrow=$(awk '/schedules \(best first\)/ { f = 1; getline; next } /replay:/ { f = 0 } f { print $4 }' "$TMP/out" | sort -n | head -n 1)
[ -n "$short" ] && [ "$short" = "$minrow" ] && ok "list's shortest ($short) is the shortest kept" ||
    fail "list's shortest '$short' != shortest kept '$minrow'"

# --------------------------------------------------------------------
# 2. the default store is ./weft.db; --no-db writes nothing
mkdir "$TMP/d" "$TMP/n"
(cd "$TMP/d" && "$LU" explore lost_update >/dev/null 2>&1)
[ -s "$TMP/d/weft.db" ] && ok "explore created ./weft.db" || fail "no ./weft.db after explore"
(cd "$TMP/d" && "$W" list >"$TMP/out" 2>&1)
expect_grep '^ *1  *lost_update  *assert' "$TMP/out"
(cd "$TMP/n" && "$LU" explore lost_update --no-db >/dev/null 2>&1 &&
    "$LU" run lost_update $by_seed --no-db >/dev/null 2>&1)
[ -z "$(ls -A "$TMP/n")" ] && ok "--no-db created nothing" || fail "--no-db created: $(ls -A "$TMP/n")"

# --------------------------------------------------------------------
# 3. SIGKILL in the middle of a campaign loses nothing it reported
Kdb=$TMP/k.db
# line-buffered, so its stdout holds what it reported before the kill (an
# LD_PRELOAD, which ASan builds accept only when told to)
BUF=()
command -v stdbuf >/dev/null 2>&1 &&
    BUF=(env "ASAN_OPTIONS=${ASAN_OPTIONS:-}:verify_asan_link_order=0" stdbuf -oL)
# (in a process group of its own, so that its workers can be found)
set -m
"${BUF[@]}" "$EC" explore early_close --keep-going --iterations 100000000 --db "$Kdb" \
    >"$TMP/k.out" 2>"$TMP/k.err" &
kpid=$!
set +m
trap 'kill -9 -- -"$kpid" 2>/dev/null; rm -rf "$TMP"' EXIT
seen=no
for _ in $(seq 100); do
    if "$W" --db "$Kdb" list 2>/dev/null | grep -q early_close; then seen=yes; break; fi
    sleep 0.1
done
[ "$seen" = yes ] && ok "the running campaign's failure is listed" || fail "no failure listed while running"
sleep 1.3 # past one periodic flush of batched hits
kill -9 "$kpid" 2>/dev/null
wait "$kpid" 2>/dev/null
[ $? = 137 ] && ok "campaign killed with SIGKILL" || fail "the campaign was not killed by SIGKILL (ended early?)"
# its worker processes must not go on writing without it
for _ in $(seq 20); do kill -0 -- -"$kpid" 2>/dev/null || break; sleep 0.1; done
if kill -0 -- -"$kpid" 2>/dev/null; then
    fail "processes outlived the SIGKILLed campaign: $(ps -eo pid=,pgid=,args= |
        awk -v g="$kpid" '$2 == g { printf "%s ", $1 }')"
    kill -9 -- -"$kpid" 2>/dev/null
    sleep 0.2
else
    ok "no worker outlived the SIGKILLed campaign"
fi
if ! skip_sql "integrity check after SIGKILL"; then
    r=$(sql "$Kdb" 'PRAGMA integrity_check' 2>&1)
    [ "$r" = ok ] && ok "integrity_check after SIGKILL: ok" || fail "integrity_check after SIGKILL: $r"
    ex=$(sql "$Kdb" 'SELECT executions FROM campaigns WHERE ended IS NULL')
    [ "${ex:-0}" -gt 0 ] && ok "killed campaign's progress was flushed ($ex executions)" ||
        fail "killed campaign: executions '$ex'"
fi
"$W" --db "$Kdb" list >"$TMP/k.list" 2>&1 || fail "weft list after SIGKILL failed: $(cat "$TMP/k.list")"
n=0
while read -r test kind loc; do
    n=$((n + 1))
    if awk -v t="$test" -v k="$kind" -v l="$loc" '$2 == t && $3 == k && $NF == l { f = 1 } END { exit !f }' \
        "$TMP/k.list"; then ok "reported before the kill and stored: $test $kind $loc"; else
        fail "reported before the kill but not stored: $test $kind $loc"; cat "$TMP/k.list" >&2; fi
done < <(sed -n 's/^FAIL \([^:]*\): \([a-z]*\) at \(.*\)$/\1 \2 \3/p' "$TMP/k.out")
[ "$n" -ge 1 ] && ok "$n failure(s) reported before the kill" ||
    fail "the killed campaign reported nothing on stdout"
expect_rc 1 "$W" --db "$Kdb" replay 1
expect_grep 'reproduced' "$TMP/out"
h0=$(hits "$Kdb" early_close)
expect_rc 1 "$EC" explore early_close --keep-going --iterations 2000 --db "$Kdb" --json
no_store_errors "$TMP/err" "new campaign after SIGKILL"
f=$(json_failed "$TMP/out")
h1=$(hits "$Kdb" early_close)
[ "$h1" = $((h0 + f)) ] && ok "new campaign after SIGKILL recorded its $f hits" ||
    fail "after SIGKILL: hits $h0 + $f != $h1"
# short campaigns (and their workers) killed at arbitrary moments: a kill
# in the middle of a write is likely
KK=$TMP/kk.db
for i in $(seq 12); do
    set -m
    "$EC" explore early_close --keep-going --iterations 5000 --seed $((i * 7919)) --db "$KK" \
        >/dev/null 2>&1 &
    p=$!
    set +m
    sleep "0.0$((i % 6))"
    kill -9 -- -"$p" 2>/dev/null # the campaign and its workers
    wait "$p" 2>/dev/null
done
sleep 0.2
if ! skip_sql "integrity check after repeated SIGKILLs"; then
    r=$(sql "$KK" 'PRAGMA integrity_check' 2>&1)
    [ "$r" = ok ] && ok "integrity_check after 12 SIGKILLs: ok" || fail "integrity_check after SIGKILLs: $r"
fi
expect_rc 1 "$EC" explore early_close --iterations 200 --db "$KK"
no_store_errors "$TMP/err" "campaign after 12 SIGKILLs"
expect_rc 0 "$W" --db "$KK" list
expect_grep 'early_close' "$TMP/out"

# --------------------------------------------------------------------
# 4. 8 processes at once
# a. all creating the same fresh store
for round in 1 2 3 4 5 6; do
    pids=
    for i in 1 2 3 4 5 6 7 8; do
        "$LU" explore lost_update_fixed --iterations 1 --db "$TMP/fresh$round.db" \
            >/dev/null 2>"$TMP/fresh$round.$i.err" &
        pids="$pids $!"
    done
    bad=0
    for p in $pids; do wait "$p" || bad=$((bad + 1)); done
    cat "$TMP"/fresh$round.*.err >"$TMP/fresh$round.err"
    if [ "$bad" = 0 ] && [ ! -s "$TMP/fresh$round.err" ]; then
        ok "round $round: 8 processes created one store"
    else
        fail "round $round: 8 processes creating one store: $bad failed:"
        sort "$TMP/fresh$round.err" | uniq -c >&2
    fi
    got=$(sql "$TMP/fresh$round.db" 'SELECT count(*) FROM campaigns' 2>/dev/null)
    [ -z "$HAVE_SQL" ] || [ "$got" = 8 ] || fail "round $round: $got campaigns, want 8"
done
# b. 8 campaigns of different tests recording failures into one store
P=$TMP/p.db
expect_rc 0 "$LU" explore lost_update_fixed --iterations 1 --db "$P"
set -- lost_update:0 lock_order:0 timeout_race:0 lost_wakeup:0 early_close:0 slot_leak:0 \
    lost_update:500000 early_close:500000
i=0; pids=
for spec in "$@"; do
    i=$((i + 1)); t=${spec%%:*}; s=${spec#*:}
    "$EX/$t" explore "$t" --keep-going --iterations 40000 --seed "$s" --db "$P" --json \
        >"$TMP/p$i.out" 2>"$TMP/p$i.err" &
    pids="$pids $!"
done
i=0
for p in $pids; do
    i=$((i + 1))
    wait "$p"; rc=$?
    [ "$rc" = 1 ] && ok "process $i exited 1 (failure found)" || fail "process $i exited $rc"
    no_store_errors "$TMP/p$i.err" "process $i"
done
"$W" --db "$P" list >"$TMP/p.list" 2>&1 || fail "list of the shared store failed"
for t in lost_update lock_order timeout_race lost_wakeup early_close slot_leak; do
    want=0; i=0
    for spec in "$@"; do
        i=$((i + 1))
        [ "${spec%%:*}" = "$t" ] && want=$((want + $(json_failed "$TMP/p$i.out")))
    done
    got=$(awk -v t="$t" '$2 == t { s += $4 } END { print s + 0 }' "$TMP/p.list")
    [ "$got" -gt 0 ] && [ "$got" = "$want" ] && ok "$t: stored hits $got = failed_executions" ||
        fail "$t: stored hits $got, failed_executions $want"
done
if ! skip_sql "campaign rows of the 8 processes"; then
    got=$(sql "$P" "SELECT count(*) FROM campaigns WHERE ended IS NOT NULL AND executions = 40000")
    [ "$got" = 8 ] && ok "8 ended campaigns of 40000 executions" || fail "$got complete campaigns, want 8"
    r=$(sql "$P" 'PRAGMA integrity_check' 2>&1)
    [ "$r" = ok ] && ok "integrity_check after 8 writers: ok" || fail "integrity_check: $r"
fi

# --------------------------------------------------------------------
# 5. bad input: exit 2, one line on stderr, the file untouched
G=$TMP/g.db # a good store in one file (gc checkpoints the WAL)
"$W" --db "$A" gc >/dev/null 2>&1 || fail "gc of $A"
cp "$A" "$G"
sumG=$(md5 "$G")

printf 'this is a text file, not a store\n' >"$TMP/text.db"
s=$(md5 "$TMP/text.db")
expect_bad 'not a weft store' "$W" --db "$TMP/text.db" list
expect_bad 'not a weft store' "$W" --db "$TMP/text.db" show 1
expect_bad 'not a weft store' "$W" --db "$TMP/text.db" replay 1
expect_bad 'not a weft store' "$LU" explore lost_update --db "$TMP/text.db"
expect_bad 'not a weft store' "$W" --db "$TMP/text.db" gc
unchanged "$TMP/text.db" "$s" "text file"

if ! skip_sql "another application's database, newer schema, truncated trace"; then
    O=$TMP/other.db
    sql "$O" 'CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT)' "INSERT INTO notes(body) VALUES('x')"
    s=$(md5 "$O")
    expect_bad 'another application' "$W" --db "$O" list
    expect_bad 'another application' "$LU" explore lost_update --db "$O"
    expect_bad 'another application' "$W" --db "$TMP/m0.db" merge "$O"
    unchanged "$O" "$s" "another application's database"

    N=$TMP/newer.db
    cp "$G" "$N"
    sql "$N" 'PRAGMA user_version = 99'
    s=$(md5 "$N")
    expect_bad 'newer' "$W" --db "$N" list
    expect_bad 'newer' "$W" --db "$N" show 1
    expect_bad 'newer' "$W" --db "$N" replay 1
    expect_bad 'newer' "$W" --db "$N" gc
    expect_bad 'newer' "$LU" explore lost_update --db "$N"
    expect_bad 'newer' "$LU" replay lost_update --db "$N" --id 1
    unchanged "$N" "$s" "newer schema"

    T=$TMP/trunc.db
    cp "$G" "$T"
    sql "$T" 'UPDATE schedules SET trace = substr(trace, 1, 10)'
    s=$(md5 "$T")
    expect_bad 'bad trace' "$W" --db "$T" replay 1
    expect_bad 'bad trace' "$LU" replay lost_update --db "$T" --id 1
    expect_bad 'bad stored trace' "$W" --db "$T" minimize 1
    unchanged "$T" "$s" "truncated trace blob"
fi

# corrupt stores. Page 1 (the schema) damaged: noticed when opening.
C1=$TMP/corrupt1.db
cp "$G" "$C1"
head -c 2000 /dev/zero | tr '\0' '\245' | dd of="$C1" bs=1 seek=200 conv=notrunc 2>/dev/null
s=$(md5 "$C1")
expect_bad 'corrupt\|malformed' "$W" --db "$C1" list
expect_bad 'corrupt\|malformed' "$W" --db "$C1" show 1
expect_bad 'corrupt\|malformed' "$LU" explore lost_update --db "$C1"
unchanged "$C1" "$s" "corrupt schema page"
# A truncated file.
C2=$TMP/corrupt2.db
head -c $(($(wc -c <"$G") / 2)) "$G" >"$C2"
s=$(md5 "$C2")
expect_bad 'corrupt\|malformed' "$W" --db "$C2" list
expect_bad 'corrupt\|malformed' "$W" --db "$C2" show 1
unchanged "$C2" "$s" "truncated file"
# A page in the middle overwritten: the failures table's and the builds
# table's root pages (SQLite notices damage only on the pages it reads, so
# the damage is aimed at pages list, show and replay must read).
if ! skip_sql "corruption of pages in the middle"; then
    for table in failures builds; do
        C=$TMP/corrupt-$table.db
        cp "$G" "$C"
        pg=$(sql "$C" "SELECT rootpage FROM sqlite_schema WHERE name = '$table'")
        head -c 4096 /dev/zero | tr '\0' '\245' |
            dd of="$C" bs=4096 seek=$((pg - 1)) conv=notrunc 2>/dev/null
        s=$(md5 "$C")
        [ "$table" = failures ] && expect_bad 'corrupt\|malformed' "$W" --db "$C" list
        expect_bad 'corrupt\|malformed' "$W" --db "$C" show 1
        expect_bad 'corrupt\|malformed' "$W" --db "$C" replay 1
        expect_bad 'corrupt\|malformed' "$LU" replay lost_update --db "$C" --id 1
        expect_bad 'corrupt\|malformed' "$LU" explore lost_update --db "$C"
        unchanged "$C" "$s" "$table page $pg overwritten"
    done
fi

# ids and commands
expect_bad 'no failure with id 999' "$W" --db "$G" show 999
expect_bad 'no failure with id 999' "$W" --db "$G" replay 999
expect_bad 'no failure with id 999' "$W" --db "$G" minimize 999
expect_bad 'no failure with id 999' "$LU" replay lost_update --db "$G" --id 999
expect_bad "'abc' is not a failure id" "$W" --db "$G" show abc
expect_bad "'1x' is not a failure id" "$W" --db "$G" replay 1x
expect_bad "'0' is not a failure id" "$W" --db "$G" show 0
expect_bad "'-1' is not a failure id" "$W" --db "$G" show -1
expect_bad "of test 'lost_update'" "$EX/lock_order" replay lock_order --db "$G" --id 1
expect_bad "unknown command 'frobnicate'" "$W" --db "$G" frobnicate
expect_bad "unknown command 'frobnicate'" "$W" --db "$G" frobnicate 1
expect_bad 'takes one argument' "$W" --db "$G" show
expect_rc 2 "$W"
expect_bad 'no such store' "$W" --db "$TMP/missing.db" list
expect_bad 'no such store' "$W" --db "$TMP/missing.db" replay 1
[ ! -e "$TMP/missing.db" ] && ok "reading a missing store does not create it" || fail "missing.db was created"
unchanged "$G" "$sumG" "bad ids and commands"

# --------------------------------------------------------------------
# 6. merge: all failures; idempotent; hits add across campaigns only
M1=$TMP/m1.db M2=$TMP/m2.db M3=$TMP/m3.db
"$LU" explore lost_update --keep-going --iterations 1000 --seed 0 --db "$M1" >/dev/null 2>&1
"$EC" explore early_close --keep-going --iterations 1000 --seed 0 --db "$M1" >/dev/null 2>&1
"$LU" explore lost_update --keep-going --iterations 1000 --seed 700000 --db "$M2" >/dev/null 2>&1
"$SL" explore slot_leak --keep-going --iterations 1000 --db "$M2" >/dev/null 2>&1
hl1=$(hits "$M1" lost_update) hl2=$(hits "$M2" lost_update)
he=$(hits "$M1" early_close) hs=$(hits "$M2" slot_leak)
expect_rc 0 "$W" --db "$M3" merge "$M1"
expect_grep '2 new failures' "$TMP/out"
expect_rc 0 "$W" --db "$M3" merge "$M2"
expect_grep '1 new failure,' "$TMP/out"
"$W" --db "$M3" list >"$TMP/l1"
for t in lost_update early_close slot_leak; do expect_grep " $t " "$TMP/l1"; done
[ "$(grep -c ' assert ' "$TMP/l1")" = 3 ] && ok "3 failures after merging" || fail "not 3 failures after merging"
h=$(hits "$M3" lost_update)
[ "$h" = $((hl1 + hl2)) ] && ok "hits add across campaigns: $hl1 + $hl2 = $h" ||
    fail "merged hits $h != $hl1 + $hl2"
[ "$(hits "$M3" early_close)" = "$he" ] && [ "$(hits "$M3" slot_leak)" = "$hs" ] &&
    ok "other hits carried over" || fail "early_close/slot_leak hits changed in the merge"
expect_rc 0 "$W" --db "$M3" merge "$M1"
expect_grep '0 new failures, 0 new schedules' "$TMP/out"
expect_rc 0 "$W" --db "$M3" merge "$M2"
"$W" --db "$M3" list >"$TMP/l2"
cmp -s "$TMP/l1" "$TMP/l2" && ok "merging again changes nothing" || { fail "merging again changed the list"; diff "$TMP/l1" "$TMP/l2" >&2; }
# merging a store that already holds the other's campaigns: no double count
expect_rc 0 "$W" --db "$M2" merge "$M1"
expect_rc 0 "$W" --db "$M3" merge "$M2"
"$W" --db "$M3" list >"$TMP/l3"
cmp -s "$TMP/l1" "$TMP/l3" && ok "transitive merge counts nothing twice" || { fail "transitive merge changed the list"; diff "$TMP/l1" "$TMP/l3" >&2; }
expect_bad 'into itself' "$W" --db "$M3" merge "$M3"
expect_bad 'no such store' "$W" --db "$M3" merge "$TMP/missing.db"
expect_bad 'not a weft store' "$W" --db "$M3" merge "$TMP/text.db"
# a file name with URI characters
cp "$M1" "$TMP/odd?name#1%.db"
expect_rc 0 "$W" --db "$M3" merge "$TMP/odd?name#1%.db"
[ ! -e "$TMP/odd" ] && ok "merge created no stray file" || fail "merge of 'odd?name#1%.db' created $TMP/odd"
# gc keeps the store valid and its content
expect_rc 0 "$W" --db "$M3" gc
expect_grep '^gc ' "$TMP/out"
"$W" --db "$M3" list >"$TMP/l4"
cmp -s "$TMP/l1" "$TMP/l4" && ok "gc keeps every failure" || { fail "gc changed the list"; diff "$TMP/l1" "$TMP/l4" >&2; }
if ! skip_sql "integrity after gc"; then
    r=$(sql "$M3" 'PRAGMA integrity_check' 2>&1)
    [ "$r" = ok ] && ok "integrity_check after merge and gc: ok" || fail "integrity_check after gc: $r"
fi
for id in 1 2 3; do
    expect_rc 1 "$W" --db "$M3" replay $id
    expect_grep 'reproduced' "$TMP/out"
done

# --------------------------------------------------------------------
# 7. minimize a deep (multi-task) example's failure; the result replays
for t in early_close slot_leak; do
    Z=$TMP/min-$t.db
    "$EX/$t" explore "$t" --db "$Z" >/dev/null 2>&1
    expect_rc 0 "$W" --db "$Z" minimize 1
    line=$(grep 'steps [0-9]* -> [0-9]*' "$TMP/out")
    set -- $(echo "$line" | sed 's/.*steps \([0-9]*\) -> \([0-9]*\), decisions \([0-9]*\) -> \([0-9]*\), preemptions \([0-9]*\) -> \([0-9]*\).*/\1 \2 \3 \4 \5 \6/')
    if [ $# = 6 ] && [ "$2" -le "$1" ] && [ "$4" -le "$3" ] && [ "$6" -le "$5" ] &&
        { [ "$2" -lt "$1" ] || [ "$4" -lt "$3" ] || [ "$6" -lt "$5" ]; }; then
        ok "$t minimized: steps $1 -> $2, decisions $3 -> $4, preemptions $5 -> $6"
    else
        fail "$t: minimize did not shorten: $line"
    fi
    expect_grep 'stored as schedule' "$TMP/out"
    expect_rc 0 "$W" --db "$Z" show 1
    expect_grep '^ *[0-9][0-9]* .* yes  *[0-9a-f]\{16\} ' "$TMP/out"
    expect_rc 1 "$W" --db "$Z" replay 1
    expect_grep 'steps, minimized' "$TMP/out"
    expect_grep 'reproduced' "$TMP/out"
    expect_rc 1 "$EX/$t" replay "$t" --db "$Z" --id 1
    expect_grep 'reproduced' "$TMP/out"
    # the binary's own minimize: the schedule is already minimal
    expect_rc 0 "$EX/$t" minimize "$t" --db "$Z" --id 1
    expect_grep 'already stored' "$TMP/out"
done

# --------------------------------------------------------------------
# 8. replay with a binary that changed since the failure was recorded
cp "$LU" "$TMP/lu_copy"
expect_rc 1 "$TMP/lu_copy" explore lost_update --db "$TMP/cb.db"
printf x >>"$TMP/lu_copy"
expect_rc 1 "$W" --db "$TMP/cb.db" replay 1
expect_grep 'has changed since failure 1 was recorded' "$TMP/err"
expect_grep 'reproduced' "$TMP/out"
expect_rc 1 "$TMP/lu_copy" replay lost_update --db "$TMP/cb.db" --id 1
expect_grep 'recorded by another build' "$TMP/err"
rm -f "$TMP/lu_copy"
expect_bad 'is gone' "$W" --db "$TMP/cb.db" replay 1
finish
