# The OSS-Fuzz / ClusterFuzzLite build (fuzz/oss-fuzz/build.sh) in a local
# emulation of its environment: $CC/$CXX clang, OSS-Fuzz's ASan $CFLAGS with
# -fsanitize=fuzzer-no-link, $LIB_FUZZING_ENGINE=-fsanitize=fuzzer, $OUT,
# $WORK, $SRC. Then every target is checked (executable, options file, seed
# corpus zip, plain libFuzzer target with weft and SQLite linked in
# statically) and run the way the engine runs it, from its unpacked seed
# corpus with its options, for a few seconds:
#   - fuzz_trace, fuzz_options, fuzz_store (decoders) and
#     fuzz_schedule_lost_update_fixed (a fixed twin: what continuous fuzzing
#     runs): 3 s each, must find nothing (exit 0); fuzz_store must leave
#     nothing in its $TMPDIR;
#   - fuzz_schedule_lost_update and fuzz_schedule_narrow_window (two buggy
#     examples; WEFT_FUZZ_EXAMPLES limits the build to those two examples,
#     WEFT_FUZZ_DEMOS=1 is the default outside the Dockerfiles): must find their bug
#     (exit non-zero, "FAIL NAME" printed, a crash- artifact) within 3 s, and
#     the artifact must replay with the normal (gcc) build's example binary:
#     the same schedule on another compiler. The lost_update run records
#     into a store under the run's $TMPDIR (WEFT_FUZZ_DB), which replays too.
# Skipped (and said so) when clang's libFuzzer is not installed.
. "$(dirname "$0")/common.inc"
if ! printf 'int LLVMFuzzerTestOneInput(const char*d,unsigned long n){return 0;}' |
       clang -fsanitize=fuzzer,address -x c - -o "$TMP/probe" 2>/dev/null ||
   ! command -v clang++ >/dev/null; then
    echo "SKIP: clang/clang++ with libFuzzer is not installed (make deps installs clang)"
    exit 0
fi
mkdir -p "$TMP/o" "$TMP/work" "$TMP/src" "$TMP/rt"
FLAGS="-O1 -fno-omit-frame-pointer -gline-tables-only -fsanitize=address,fuzzer-no-link"
# as in OSS-Fuzz: $SRC holds the dependencies the Dockerfile fetched (none
# here: the system's xxhash.h and libsqlite3.a) and the checkout
if env CC=clang CXX=clang++ CFLAGS="$FLAGS" CXXFLAGS="$FLAGS" \
       LIB_FUZZING_ENGINE=-fsanitize=fuzzer OUT="$TMP/o" WORK="$TMP/work" SRC="$TMP/src" \
       WEFT_SRC="$S" WEFT_FUZZ_EXAMPLES="lost_update narrow_window" \
       bash "$S/fuzz/oss-fuzz/build.sh" >"$TMP/build.log" 2>&1; then
    ok "build.sh built $(ls "$TMP/o" | grep -vc '\.') targets"
else
    fail "build.sh failed"; tail -30 "$TMP/build.log" >&2; finish
fi
# the ClusterFuzzLite entry point is the same script
grep -q 'fuzz/oss-fuzz/build.sh' "$S/.clusterfuzzlite/build.sh" &&
    [ -f "$S/.clusterfuzzlite/project.yaml" ] && [ -f "$S/.clusterfuzzlite/Dockerfile" ] &&
    ok ".clusterfuzzlite/ uses fuzz/oss-fuzz/build.sh" || fail ".clusterfuzzlite/ incomplete"

decoders="fuzz_trace fuzz_options fuzz_store fuzz_schedule_lost_update_fixed"
schedules="fuzz_schedule_lost_update fuzz_schedule_narrow_window"
for t in $decoders $schedules; do
    f=$TMP/o/$t
    [ -x "$f" ] && ok "$t built" || { fail "$t missing from \$OUT"; continue; }
    [ -f "$f.options" ] && grep -q '^\[libfuzzer\]' "$f.options" && ok "$t.options" ||
        fail "$t.options missing"
    if readelf -d "$f" | grep -q 'NEEDED.*sqlite'; then
        fail "$t links SQLite dynamically"; else ok "$t: SQLite linked statically"; fi
    if nm "$f" | grep -qE ' T (weft_main|weft__fuzz_main)$'; then
        fail "$t contains weft_main (must be a plain target)"; fi
done
for t in fuzz_trace fuzz_options fuzz_store; do
    z=$TMP/o/${t}_seed_corpus.zip
    want=$(ls "$S/corpus/$t" | wc -l)
    got=$(python3 -c 'import sys, zipfile; print(len(zipfile.ZipFile(sys.argv[1]).namelist()))' \
              "$z" 2>/dev/null)
    [ "$got" = "$want" ] && ok "${t}_seed_corpus.zip holds $got seeds" ||
        fail "${t}_seed_corpus.zip holds '$got' seeds, corpus/$t has $want"
done

# run T ARGS...: as the engine runs a target: its seeds unpacked into a
# corpus directory, its options as flags, $TMPDIR its only scratch place
run() {
    t=$1; shift
    c=$TMP/corpus_$t
    mkdir -p "$c" "$TMP/rt/$t"
    [ -f "$TMP/o/${t}_seed_corpus.zip" ] &&
        python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' \
            "$TMP/o/${t}_seed_corpus.zip" "$c"
    opts=$(grep '=' "$TMP/o/$t.options" | sed 's/ *= */=/; s/^/-/' | tr '\n' ' ')
    (cd "$TMP/rt/$t" && env TMPDIR="$TMP/rt/$t" "$@" "$TMP/o/$t" $opts \
        -max_total_time=3 -artifact_prefix="$TMP/rt/$t/" "$c") >"$TMP/$t.log" 2>&1
}
for t in $decoders; do
    if run "$t"; then
        ok "$t: $(grep -o '^Done [0-9]* runs' "$TMP/$t.log" | sed 's/Done //') in 3 s, nothing found"
    else
        fail "$t found something:"; tail -30 "$TMP/$t.log" >&2
    fi
done
left=$(ls -A "$TMP/rt/fuzz_store" | wc -l)
[ "$left" = 0 ] && ok "fuzz_store cleaned up its scratch stores" ||
    fail "fuzz_store left $(ls -A "$TMP/rt/fuzz_store") behind"

for t in $schedules; do
    name=${t#fuzz_schedule_}
    if [ "$t" = fuzz_schedule_lost_update ]; then
        run "$t" WEFT_FUZZ_DB="$TMP/rt/$t/weft.db"
    else
        run "$t"
    fi
    rc=$?
    crash=$(ls "$TMP/rt/$t"/crash-* 2>/dev/null | head -1)
    if [ "$rc" != 0 ] && [ -n "$crash" ] && grep -q "^FAIL $name" "$TMP/$t.log"; then
        ok "$t found the bug ($(grep -m1 "^FAIL" "$TMP/$t.log"))"
    else
        fail "$t: exit $rc, artifact '${crash}'"; tail -20 "$TMP/$t.log" >&2; continue
    fi
    if [ -x "$EX/$name" ]; then
        expect_rc 1 "$EX/$name" replay "$name" --trace "$crash"
        expect_grep "reproduced" "$TMP/out"
    fi
done
db=$TMP/rt/fuzz_schedule_lost_update/weft.db
if [ -f "$db" ]; then
    expect_rc 0 "$B/weft" --db "$db" list
    expect_grep "lost_update .*assert" "$TMP/out"
    [ -x "$EX/lost_update" ] && expect_rc 1 "$EX/lost_update" replay lost_update --db "$db" --id 1
else
    fail "WEFT_FUZZ_DB: no store at $db"
fi
finish
