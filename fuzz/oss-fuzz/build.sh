#!/bin/bash -eu
# OSS-Fuzz / ClusterFuzzLite build script for weft.
#
# The engine's environment: $CC, $CXX, $CFLAGS, $CXXFLAGS (sanitizers and
# -fsanitize=fuzzer-no-link), $LIB_FUZZING_ENGINE (the engine's main, e.g.
# -fsanitize=fuzzer), $OUT (targets, seed corpora, options), $WORK
# (scratch), $SRC (sources). Run it by hand the same way, e.g.
#
#   export CC=clang CXX=clang++ CFLAGS="-O1 -fsanitize=address,fuzzer-no-link"
#   export CXXFLAGS="$CFLAGS" LIB_FUZZING_ENGINE=-fsanitize=fuzzer
#   OUT=/tmp/out WORK=/tmp/work SRC=/tmp bash fuzz/oss-fuzz/build.sh
#
# (tests/e2e/oss_fuzz.sh does exactly that and runs every target.)
#
# Targets, each a plain LLVMFuzzerTestOneInput (no weft_main, no
# LLVMFuzzerRunDriver), statically linked with weft and SQLite:
#   fuzz_trace      the trace decoder               (fuzz/fuzz_trace.c)
#   fuzz_options    the command-line parser         (fuzz/fuzz_options.c)
#   fuzz_store      store rows and files            (fuzz/fuzz_store.c)
#   fuzz_schedule_NAME_fixed, fuzz_schedule_NAME  the engine chooses the
#                   schedule of test NAME_fixed / NAME of bug-zoo example
#                   NAME (fuzz/fuzz_schedule_example.c with examples/NAME.c),
#                   for every example that has both tests. The fixed twins
#                   must find nothing; the buggy ones (WEFT_FUZZ_DEMOS=0
#                   leaves them out) find their bugs, and the crash artifact
#                   replays with `BIN replay NAME --trace crash-...` of a
#                   normal build.
# and for each: <target>_seed_corpus.zip (from corpus/<target>/, when there
# is one) and <target>.options.
#
# $WEFT_FUZZ_EXAMPLES (a space-separated list of example names) limits the
# schedule targets to those (the local test builds two).
#
# At run time only /tmp is writable: fuzz_store keeps its scratch stores in
# $TMPDIR or /tmp, and the schedule targets record into no store unless
# $WEFT_FUZZ_DB names one (e.g. /tmp/weft.db).
#
# Dependencies: xxhash.h (header only: weft includes it with XXH_INLINE_ALL)
# from $SRC/xxhash when the Dockerfile cloned it there, else the system's;
# SQLite compiled from $SRC/sqlite3/sqlite3.c (the amalgamation) when
# present, with the fuzzing flags, else the system's static libsqlite3.a.
set -eu

# weft's sources: $WEFT_SRC, else the checkout this script is in, else $SRC/weft
WEFT=${WEFT_SRC:-}
if [ -z "$WEFT" ]; then
    here=$(cd "$(dirname "$0")" && pwd)
    if [ -f "$here/../../include/weft/weft.h" ]; then
        WEFT=$(cd "$here/../.." && pwd)
    else
        WEFT=$SRC/weft
    fi
fi
B=$WORK/weft-fuzz-build
rm -rf "$B"
mkdir -p "$B/obj" "$OUT"
OUT=$(cd "$OUT" && pwd)
: "${CXX:=clang++}"
: "${CXXFLAGS:=$CFLAGS}"

INC="-I$WEFT/include"
if [ -f "$SRC/xxhash/xxhash.h" ]; then
    INC="$INC -I$SRC/xxhash"
fi
SQLITE_LIB=""
if [ -f "$SRC/sqlite3/sqlite3.c" ]; then
    $CC $CFLAGS -w -DSQLITE_THREADSAFE=1 -DSQLITE_OMIT_LOAD_EXTENSION \
        -c "$SRC/sqlite3/sqlite3.c" -o "$B/sqlite3.o"
    INC="$INC -I$SRC/sqlite3"
    SQLITE_LIB="$B/sqlite3.o"
else
    for d in $($CC -print-file-name=libsqlite3.a) /usr/lib/x86_64-linux-gnu/libsqlite3.a \
             /usr/lib/aarch64-linux-gnu/libsqlite3.a /usr/lib/libsqlite3.a; do
        if [ -f "$d" ]; then SQLITE_LIB=$d; break; fi
    done
    if [ -z "$SQLITE_LIB" ]; then
        echo "build.sh: no libsqlite3.a (install libsqlite3-dev, or put the amalgamation in \$SRC/sqlite3)" >&2
        exit 1
    fi
fi
WFLAGS="-std=c11 -D_GNU_SOURCE $INC"
case "$(uname -m)" in
    x86_64) fiber_s=fiber_x86_64.S ;;
    aarch64 | arm64) fiber_s=fiber_aarch64.S ;;
    *) fiber_s="" WFLAGS="$WFLAGS -DWEFT_FIBER_UCONTEXT=1" ;; # no assembly switch here
esac

# libweft_fuzz.a: the library without anything that has a main or drives
# libFuzzer itself (cli/main.c, cli/weft_tool.c, fuzz/driver.c): a target
# pulls only what it uses, so weft_main never reaches a plain target.
objs=()
for f in "$WEFT"/runtime/*.c "$WEFT"/scheduler/*.c "$WEFT"/reports/*.c "$WEFT"/cli/*.c \
         "$WEFT"/fuzz/source.c; do
    case "$(basename "$f")" in
        main.c | weft_tool.c | weft_main.c) continue ;;
    esac
    o="$B/obj/$(basename "$(dirname "$f")")_$(basename "$f" .c).o"
    $CC $CFLAGS $WFLAGS -c "$f" -o "$o"
    objs+=("$o")
done
if [ -n "$fiber_s" ]; then
    $CC $CFLAGS $WFLAGS -c "$WEFT/runtime/$fiber_s" -o "$B/obj/runtime_fiber_s.o"
    objs+=("$B/obj/runtime_fiber_s.o")
fi
rm -f "$B/libweft_fuzz.a"
ar rcs "$B/libweft_fuzz.a" "${objs[@]}"
LIBS="$B/libweft_fuzz.a $SQLITE_LIB -lm -lpthread -ldl"

# link TARGET OBJECTS...: a statically linked (weft, SQLite) engine target
link() {
    local t=$1
    shift
    $CXX $CXXFLAGS "$@" $LIBS $LIB_FUZZING_ENGINE -o "$OUT/$t"
}

# seeds TARGET DIR: $OUT/TARGET_seed_corpus.zip from the files of DIR
seeds() {
    local t=$1 dir=$2 zipf="$OUT/$1_seed_corpus.zip"
    rm -f "$zipf"
    [ -d "$dir" ] || return 0
    if command -v zip >/dev/null 2>&1; then
        (cd "$dir" && zip -q -j "$zipf" ./*)
    else
        python3 - "$zipf" "$dir" <<'EOF'
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for n in sorted(os.listdir(sys.argv[2])):
        p = os.path.join(sys.argv[2], n)
        if os.path.isfile(p):
            z.write(p, n)
EOF
    fi
}

# options TARGET LINES...: $OUT/TARGET.options ([libfuzzer] section)
options() {
    local t=$1
    shift
    { echo "[libfuzzer]"; printf '%s\n' "$@"; } >"$OUT/$t.options"
}

# the decoders
$CC $CFLAGS $WFLAGS -c "$WEFT/fuzz/fuzz_trace.c" -o "$B/fuzz_trace.o"
link fuzz_trace "$B/fuzz_trace.o"
seeds fuzz_trace "$WEFT/corpus/fuzz_trace"
options fuzz_trace "max_len = 4096"

$CC $CFLAGS $WFLAGS -c "$WEFT/fuzz/fuzz_options.c" -o "$B/fuzz_options.o"
link fuzz_options "$B/fuzz_options.o"
seeds fuzz_options "$WEFT/corpus/fuzz_options"
options fuzz_options "max_len = 512"

$CC $CFLAGS $WFLAGS -c "$WEFT/fuzz/fuzz_store.c" -o "$B/fuzz_store.o"
link fuzz_store "$B/fuzz_store.o"
seeds fuzz_store "$WEFT/corpus/fuzz_store"
options fuzz_store "max_len = 16384"

# the schedule targets: for every bug-zoo example with a NAME and NAME_fixed
# test, fuzz_schedule_NAME_fixed (continuous fuzzing: must find nothing) and,
# unless WEFT_FUZZ_DEMOS=0, fuzz_schedule_NAME (a demonstration: it finds
# the example's bug, often in its first inputs — which OSS-Fuzz's build
# check would take for a startup crash, so the Dockerfiles turn them off)
for ex in "$WEFT"/examples/*.c; do
    name=$(basename "$ex" .c)
    if [ -n "${WEFT_FUZZ_EXAMPLES:-}" ]; then
        case " $WEFT_FUZZ_EXAMPLES " in *" $name "*) ;; *) continue ;; esac
    fi
    grep -q "WEFT_TEST($name)" "$ex" && grep -q "WEFT_TEST(${name}_fixed)" "$ex" || continue
    $CC $CFLAGS $WFLAGS -c "$ex" -o "$B/ex_$name.o"
    tests="${name}_fixed"
    [ "${WEFT_FUZZ_DEMOS:-1}" = 0 ] || tests="$tests $name"
    for test in $tests; do
        t=fuzz_schedule_$test
        $CC $CFLAGS $WFLAGS -I"$WEFT/fuzz" "-DWEFT_FUZZ_TEST=\"$test\"" \
            -c "$WEFT/fuzz/fuzz_schedule_example.c" -o "$B/$t.o"
        link "$t" "$B/$t.o" "$B/ex_$name.o"
        seeds "$t" "$WEFT/corpus/$t"
        # deadlocks and livelocks are weft's to report; a hang past this is a bug
        options "$t" "max_len = 1024" "timeout = 25"
    done
done

echo "build.sh: targets in $OUT:"
ls "$OUT"
