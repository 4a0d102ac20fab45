# weft's own decoders under libFuzzer (clang): the trace decoder, the
# command-line parser and the failure store's rows (fuzz/fuzz_store.c), each
# for tens of thousands of inputs; they must find nothing. Skipped (and said
# so) when clang's libFuzzer is not installed.
. "$(dirname "$0")/common.inc"
if ! clang -fsanitize=fuzzer -x c /dev/null -o /dev/null 2>/dev/null &&
   ! printf 'int LLVMFuzzerTestOneInput(const char*d,unsigned long n){return 0;}' |
       clang -fsanitize=fuzzer -x c - -o "$TMP/probe" 2>/dev/null; then
    echo "SKIP: clang with libFuzzer is not installed (make deps installs it)"
    exit 0
fi
FLAGS="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined"
clang $FLAGS -I"$S/include" "$S/fuzz/fuzz_trace.c" "$S/scheduler/trace.c" \
    -o "$TMP/fuzz_trace" || fail "build fuzz_trace"
clang $FLAGS -I"$S/include" "$S/fuzz/fuzz_options.c" "$S/cli/options.c" \
    -o "$TMP/fuzz_options" || fail "build fuzz_options"
clang $FLAGS -D_GNU_SOURCE -I"$S/include" "$S/fuzz/fuzz_store.c" "$S/reports/store.c" \
    "$S/reports/store_query.c" "$S/reports/store_record.c" "$S/reports/store_merge.c" \
    "$S/scheduler/trace.c" -lsqlite3 -o "$TMP/fuzz_store" || fail "build fuzz_store"
for t in fuzz_trace fuzz_options; do
    mkdir -p "$TMP/corpus_$t"
    if "$TMP/$t" -runs=30000 -seed=1 -max_len=512 "$TMP/corpus_$t" "$S/corpus/$t" \
        >"$TMP/$t.log" 2>&1; then
        ok "$t: 30000 inputs, nothing found"
    else
        fail "$t found a bug:"; tail -30 "$TMP/$t.log" >&2
    fi
done
# fuzz_store: ~1 ms of SQLite per input (every store call prepares its
# statements afresh), slower under ASan's default allocator settings (SQLite
# allocates a lot); a small quarantine, no malloc fill and short allocation
# stacks keep detection and make it 2x faster. 20000 inputs took 45 s on 2
# cores shared with other builds (load 4); 45 s is the cap. Its scratch stores live in its own
# $TMPDIR, which it must leave empty.
mkdir -p "$TMP/corpus_fuzz_store" "$TMP/store_tmp"
if TMPDIR="$TMP/store_tmp" \
   ASAN_OPTIONS=quarantine_size_mb=16:max_malloc_fill_size=0:malloc_context_size=2 \
   "$TMP/fuzz_store" -runs=20000 -max_total_time=45 -seed=1 -max_len=1024 \
    "$TMP/corpus_fuzz_store" "$S/corpus/fuzz_store" >"$TMP/fuzz_store.log" 2>&1; then
    ok "fuzz_store: $(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$TMP/fuzz_store.log") inputs (20000, or 45 s on a busy machine), nothing found"
else
    fail "fuzz_store found a bug (rerun without ASAN_OPTIONS for full stacks):"
    tail -30 "$TMP/fuzz_store.log" >&2
fi
[ -z "$(ls -A "$TMP/store_tmp")" ] && ok "fuzz_store removed its scratch stores" ||
    fail "fuzz_store left $(ls -A "$TMP/store_tmp") behind"
finish
