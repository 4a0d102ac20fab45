#!/bin/sh
# bench/run.sh BUILD_DIR — runs every benchmark built in BUILD_DIR and prints
# one compact table (`make bench` calls it as `sh bench/run.sh build`).
#
# Every ratio is against a baseline measured in the same run; none of this is
# a pass/fail test. The "target:" lines say whether each goal was met, and the
# summary at the end counts them. Exit status: 0 when every benchmark ran
# (whatever the targets), 1 when one could not run. About 15 s on 2 cores.
set -u

build=${1:-build}
dir=$build/bench
for b in bench_switch bench_point bench_exec bench_exec_uc; do
    if [ ! -x "$dir/$b" ]; then
        echo "bench/run.sh: $dir/$b not found: build first" \
             "(cmake --build $build, or make bench)" >&2
        exit 1
    fi
done

out=$(mktemp "${TMPDIR:-/tmp}/weft-bench.XXXXXX") || exit 1
trap 'rm -f "$out" "$out.one"' EXIT
trap 'exit 130' INT TERM
status=0

section() {
    printf '\n-- %s\n' "$1"
}

# run NAME CMD...: runs one benchmark, copies its output to the table.
run() {
    name=$1
    shift
    if ! "$@" >>"$out.one" 2>&1; then
        echo "bench/run.sh: $name failed:" >&2
        status=1
    fi
    cat "$out.one"
    cat "$out.one" >>"$out"
    rm -f "$out.one"
}

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
echo "weft benchmarks  $(date -u '+%Y-%m-%d %H:%M UTC')  $(uname -m), $(nproc) cores${cpu:+, $cpu}"
echo "build: $build   (ratios are against baselines measured in this run)"
printf '%-40s %12s %-10s %-22s %8s\n' "benchmark" "value" "unit" "baseline" "ratio"

section "1. raw context switch (best of 5 x 10M switches)"
run bench_switch "$dir/bench_switch"

section "2. one scheduling point, random strategy (2 tasks x 4000 checkpoints, best of 5)"
run bench_point "$dir/bench_point"

section "3, 5. executions and primitives per second (weft_check, best of 5 runs of ~0.25 s)"
run bench_exec "$dir/bench_exec" --uc "$dir/bench_exec_uc"

section "4. resident memory over 1,000,000 executions of 2x10"
run bench_rss "$dir/bench_exec" --rss

all=$(grep -c '^target:' "$out" | tr -d ' ')
notmet=$(grep '^target:' "$out" | grep -c 'NOT met' | tr -d ' ')
printf '\ntargets: %s of %s met' "$((all - notmet))" "$all"
if [ "$notmet" -gt 0 ]; then
    printf '; NOT met:\n'
    grep '^target:.*NOT met' "$out" | sed 's/^/  /'
else
    printf '\n'
fi
exit $status
