# weft's own decoders under libFuzzer (clang): the trace decoder and the
# command-line parser, each for tens of thousands of inputs; they must find
# nothing. Skipped (and said so) when clang's libFuzzer is not installed.
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
for t in fuzz_trace fuzz_options; do
    mkdir -p "$TMP/corpus_$t"
    if "$TMP/$t" -runs=30000 -seed=1 -max_len=512 "$TMP/corpus_$t" "$S/corpus/$t" \
        >"$TMP/$t.log" 2>&1; then
        ok "$t: 30000 inputs, nothing found"
    else
        fail "$t found a bug:"; tail -30 "$TMP/$t.log" >&2
    fi
done
finish
