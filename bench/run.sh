#!/bin/sh
# bench/run.sh BUILD_DIR — runs every benchmark built in BUILD_DIR and prints
# one compact table (`make bench` calls it as `sh bench/run.sh build`).
#
# Every ratio is against a baseline measured in the same run; none of this is
# a pass/fail test. The "target:" lines say whether each goal was met, and the
# summary at the end counts them. Exit status: 0 when every benchmark ran
# (whatever the targets), 1 when one could not run. About 40 s on 2 cores
# (sections 1-5 ~15 s, 6 = bench/strategies.sh ~15 s, 7 ~10 s).
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
trap 'rm -f "$out" "$out.one" "$out.times" "$out.c0" "$out.c1"' EXIT
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

# children_cpu: user + system seconds of this shell's finished children
# (`times` runs in this shell: in a pipe or $(...) it would see a subshell's).
children_cpu() {
    times >"$out.times"
    awk 'NR == 2 {
        t = 0
        for (i = 1; i <= 2; i++) { split($i, a, "m"); sub("s", "", a[2]); t += a[1] * 60 + a[2] }
        printf "%.3f", t }' "$out.times"
}

# jobs_ratio BIN TEST N: executions/s of `explore TEST --iterations N` with
# --jobs 1 and with --jobs 2, and of two --jobs 1 processes of N/2 run at
# the same time (what the machine's cores give right now, without weft's
# campaign machinery); best of 3 each, alternating, wall clock. Also how
# many cores each kept busy (CPU time / wall time, averaged over the runs).
jobs_ratio() {
    bin=$1 test=$2 n=$3
    if [ ! -x "$bin" ]; then
        echo "bench/run.sh: $bin not found: build the examples first" >&2
        status=1
        return
    fi
    half=$((n / 2))
    b1=0 b2=0 bp=0 cpu1=0 cpu2=0 cpup=0 wall1=0 wall2=0 wallp=0
    for round in 1 2 3; do
        for j in 1 2 p; do
            children_cpu >"$out.c0"
            t0=$(date +%s%N)
            if [ "$j" = p ]; then
                "$bin" explore "$test" --iterations "$half" --no-db --quiet >/dev/null 2>&1 &
                "$bin" explore "$test" --iterations "$half" --seed "$half" --no-db --quiet \
                    >/dev/null 2>&1
                ok=$?
                wait $! || ok=1
            else
                "$bin" explore "$test" --iterations "$n" --jobs "$j" --no-db --quiet \
                    >/dev/null 2>&1
                ok=$?
            fi
            t1=$(date +%s%N)
            if [ "$ok" != 0 ]; then
                echo "bench/run.sh: $bin explore $test ($j) failed" >&2
                status=1
                return
            fi
            children_cpu >"$out.c1"
            c0=$(cat "$out.c0") c1=$(cat "$out.c1")
            ns=$((t1 - t0))
            r=$(awk -v n="$n" -v ns="$ns" 'BEGIN { printf "%.0f", n / (ns / 1e9) }')
            cpu=$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.3f", b - a }')
            case $j in
            1) [ "$r" -gt "$b1" ] && b1=$r
               cpu1=$(awk -v a="$cpu1" -v b="$cpu" 'BEGIN { print a + b }')
               wall1=$((wall1 + ns)) ;;
            2) [ "$r" -gt "$b2" ] && b2=$r
               cpu2=$(awk -v a="$cpu2" -v b="$cpu" 'BEGIN { print a + b }')
               wall2=$((wall2 + ns)) ;;
            p) [ "$r" -gt "$bp" ] && bp=$r
               cpup=$(awk -v a="$cpup" -v b="$cpu" 'BEGIN { print a + b }')
               wallp=$((wallp + ns)) ;;
            esac
        done
    done
    load=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)
    awk -v t="$test" -v b1="$b1" -v b2="$b2" -v bp="$bp" -v cores="$(nproc)" \
        -v load="$load" -v cpu1="$cpu1" -v cpu2="$cpu2" -v cpup="$cpup" \
        -v wall1="$wall1" -v wall2="$wall2" -v wallp="$wallp" 'BEGIN {
        x = (b1 > 0 ? b2 / b1 : 0)
        printf "%-40s %12.0f %-10s\n", "explore " t " --jobs 1", b1, "exec/s"
        printf "%-40s %12.0f %-10s %-22s %7.2fx\n", "explore " t " --jobs 2", b2, "exec/s",
               "--jobs 1", x
        printf "%-40s %12.0f %-10s %-22s %7.2fx\n", "  two --jobs 1 processes at once", bp,
               "exec/s", "--jobs 1", (b1 > 0 ? bp / b1 : 0)
        printf "%-40s %12s %-10s %-22s %7.2fx\n", "  --jobs 2 vs the two processes", "", "",
               "two processes", (bp > 0 ? b2 / bp : 0)
        printf "  cores kept busy (CPU time / wall time): %.2f with --jobs 1, %.2f with --jobs 2,\n",
               (wall1 > 0 ? cpu1 / (wall1 / 1e9) : 0), (wall2 > 0 ? cpu2 / (wall2 / 1e9) : 0)
        printf "  %.2f with two processes (%s cores, load average %s)\n",
               (wallp > 0 ? cpup / (wallp / 1e9) : 0), cores, load
        printf "target: --jobs 2 vs --jobs 1 >= 1.70x (roughly 2x on 2 cores): %.2fx %s\n",
               x, (x >= 1.7 ? "met" : "NOT met")
    }' >>"$out.one"
}

section "6. strategies: executions to the first failure, every bug of the zoo (bench/strategies.sh)"
run bench_strategies sh "$(dirname "$0")/strategies.sh" "$build"

section "7. parallel campaigns: explore --jobs 2 vs --jobs 1 (500,000 executions, best of 3)"
: >>"$out.one"
jobs_ratio "$build/examples/double_release" double_release_fixed 500000
cat "$out.one"
cat "$out.one" >>"$out"
rm -f "$out.one"
section "8. libFuzzer vs random: executions to the first failure, rare bugs (bench/fuzz.sh)"; run bench_fuzz sh "$(dirname "$0")/fuzz.sh" "$build"

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
