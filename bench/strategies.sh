#!/bin/sh
# bench/strategies.sh BUILD_DIR — how fast each exploration strategy finds
# each bug of the example zoo, and whether every fixed twin stays clean.
#
# For every example binary in BUILD_DIR/examples and every test NAME in it
# that has a NAME_fixed twin:
#   - per strategy (random, pct:2, pct:3, pos, auto): the executions up to
#     and including the first failing one, median over SEEDS campaigns
#     `explore NAME --strategy ST --seed S --iterations BUDGET --json --no-db`
#     with seeds S = k * 1000000000 (k = 1..SEEDS: far apart, so that the
#     campaigns share no execution); dfs once (it does not depend on the
#     seed). A campaign that reaches BUDGET (or PER_RUN seconds) without a
#     failure counts as "not found"; a median that falls on one prints
#     ">BUDGET", and a cell with misses says how many seeds found it.
#   - NAME_fixed: TWIN executions with the default strategy (auto: swarm
#     injection of cancellations, timeouts and weft_inject faults) must fail
#     0 times.
#
# Plain strategies inject nothing unless told to: bugs that only an
# injected fault can trigger get the options in `extra` below (marked * in
# the table); auto draws its own rates.
#
# Environment: WEFT_BENCH_SEEDS (20), WEFT_BENCH_BUDGET (100000),
# WEFT_BENCH_TWIN (100000), WEFT_BENCH_PER_RUN (seconds per campaign, 20),
# WEFT_BENCH_ONLY (space-separated bug names to restrict to).
# Prints a table and `target:` lines (see bench/run.sh). Exit status 0 when
# every campaign ran (whatever the results), 1 otherwise. About 1-2 min on
# 2 cores.
set -u

build=${1:-build}
exdir=$build/examples
seeds=${WEFT_BENCH_SEEDS:-20}
budget=${WEFT_BENCH_BUDGET:-100000}
twin_iter=${WEFT_BENCH_TWIN:-100000}
per_run=${WEFT_BENCH_PER_RUN:-20}
only=${WEFT_BENCH_ONLY:-}
strategies="random pct:2 pct:3 pos dfs auto"

if [ ! -d "$exdir" ]; then
    echo "bench/strategies.sh: $exdir not found: build first (cmake --build $build)" >&2
    exit 1
fi

# The class of each bug of the zoo (for the table only).
class_of() {
    case $1 in
    lost_update) echo "atomicity" ;;
    lock_order) echo "deadlock (2 locks)" ;;
    lost_wakeup) echo "lost wakeup" ;;
    slot_leak) echo "cancellation leak (semaphore)" ;;
    timeout_race) echo "timeout race (watchdog)" ;;
    early_close) echo "stream misuse" ;;
    null_deref) echo "crash (use after free)" ;;
    use_before_init) echo "order violation" ;;
    flag_rollout) echo "depth-3 ordering (3 tasks)" ;;
    narrow_window) echo "narrow race window" ;;
    polite_spoon) echo "livelock" ;;
    disk_full) echo "fault point (no rollback)" ;;
    lock_leak) echo "cancellation leak (lock)" ;;
    double_charge) echo "timeout race (fail_after)" ;;
    philosophers) echo "deadlock (3-way cycle)" ;;
    double_release) echo "misuse (double release)" ;;
    pool_starvation) echo "starvation (CapacityLimiter)" ;;
    crawler) echo "producer-consumer (bounded stream)" ;;
    *) echo "-" ;;
    esac
}

# Options for the plain strategies (not auto) that the bug needs to be
# reachable at all.
extra() {
    case $1 in
    disk_full) echo "--inject-rate 0.1" ;;
    *) echo "" ;;
    esac
}

tmp=$(mktemp "${TMPDIR:-/tmp}/weft-strat.XXXXXX") || exit 1
trap 'rm -f "$tmp" "$tmp.v" "$tmp.j"' EXIT
trap 'exit 130' INT TERM
status=0
t_start=$(date +%s)

# first_failure BIN NAME ST SEED [OPTS...]: prints executions to the first
# failure (1-based), or "-" when none within the budget.
first_failure() {
    bin=$1 name=$2 st=$3 seed=$4
    shift 4
    "$bin" explore "$name" --strategy "$st" --seed "$seed" --iterations "$budget" \
        --time-limit "$per_run" --json --no-db --quiet "$@" >"$tmp.j" 2>/dev/null
    rc=$?
    if [ "$rc" -gt 1 ]; then
        echo "bench/strategies.sh: $bin explore $name --strategy $st --seed $seed" \
             "exited $rc" >&2
        status=1
        echo "-"
        return
    fi
    v=$(sed -n 's/.*"first_failure_execution":\([0-9][0-9]*\).*/\1/p' "$tmp.j")
    if [ -n "$v" ]; then echo $((v + 1)); else echo "-"; fi
}

# median: reads one value per line ("-" = not found) and prints the median
# cell: the median (">budget" when it falls on a miss), plus "(f/n)" when
# some runs missed.
median() {
    awk -v budget="$budget" '
        { n++; if ($1 == "-") v[n] = budget + 1; else { v[n] = $1 + 0; found++ } }
        END {
            if (n == 0) { print "?"; exit }
            # insertion sort: n is small
            for (i = 2; i <= n; i++) { x = v[i]; j = i - 1
                while (j > 0 && v[j] > x) { v[j + 1] = v[j]; j-- } v[j + 1] = x }
            if (n % 2) { a = v[(n + 1) / 2]; b = a } else { a = v[n / 2]; b = v[n / 2 + 1] }
            if (a > budget || b > budget) cell = ">" budget
            else { m = (a + b) / 2; cell = (m == int(m)) ? sprintf("%d", m) : sprintf("%.1f", m) }
            if (found < n) cell = cell " (" found + 0 "/" n ")"
            print cell
        }'
}

echo "weft strategies  $(date -u '+%Y-%m-%d %H:%M UTC')  $(uname -m), $(nproc) cores"
echo "executions to the first failure (1-based), median over $seeds seeds," \
     "budget $budget per campaign; dfs: one run"
printf '%-16s %-34s' "bug" "class"
for st in $strategies; do printf ' %10s' "$st"; done
printf '  %s\n' "fixed twin (auto, $twin_iter)"

bugs=0 twins_ok=0 auto_all=0
twin_bad=""
auto_missed=""
for bin in "$exdir"/*; do
    [ -f "$bin" ] && [ -x "$bin" ] || continue
    names=$("$bin" list 2>/dev/null) || continue
    for name in $names; do
        case $name in *_fixed) continue ;; esac
        echo "$names" | grep -qx "${name}_fixed" || continue
        if [ -n "$only" ]; then
            case " $only " in *" $name "*) ;; *) continue ;; esac
        fi
        bugs=$((bugs + 1))
        x=$(extra "$name")
        mark=""
        [ -n "$x" ] && mark="*"
        printf '%-16s %-34s' "$name$mark" "$(class_of "$name")"
        for st in $strategies; do
            opts=""
            [ "$st" != auto ] && opts=$x
            if [ "$st" = dfs ]; then
                # shellcheck disable=SC2086
                first_failure "$bin" "$name" dfs 0 $opts >"$tmp.v"
                cell=$(cat "$tmp.v")
                [ "$cell" = "-" ] && cell=">$budget"
                if [ "$cell" = ">$budget" ] &&
                    grep -q '"exhausted":true' "$tmp.j" 2>/dev/null; then
                    cell="none"
                fi
            else
                : >"$tmp.v"
                k=1
                while [ "$k" -le "$seeds" ]; do
                    # shellcheck disable=SC2086
                    first_failure "$bin" "$name" "$st" "${k}000000000" $opts >>"$tmp.v"
                    k=$((k + 1))
                done
                cell=$(median <"$tmp.v")
                if [ "$st" = auto ]; then
                    if grep -q -- '-' "$tmp.v"; then
                        auto_missed="$auto_missed $name"
                    else
                        auto_all=$((auto_all + 1))
                    fi
                fi
            fi
            printf ' %10s' "$cell"
        done
        t0=$(date +%s)
        "$bin" explore "${name}_fixed" --iterations "$twin_iter" --json --no-db --quiet \
            >"$tmp.j" 2>/dev/null
        rc=$?
        t1=$(date +%s)
        execs=$(sed -n 's/.*"executions":\([0-9]*\).*/\1/p' "$tmp.j")
        fails=$(sed -n 's/.*"failed_executions":\([0-9]*\).*/\1/p' "$tmp.j")
        if [ "$rc" = 0 ] && [ "${execs:-0}" = "$twin_iter" ] && [ "${fails:-1}" = 0 ]; then
            twins_ok=$((twins_ok + 1))
            printf '  0 failures (%ss)\n' "$((t1 - t0))"
        else
            twin_bad="$twin_bad ${name}_fixed"
            [ "$rc" -gt 1 ] && status=1
            printf '  %s failures in %s executions: FAILED\n' "${fails:-?}" "${execs:-?}"
        fi
    done
done

echo "* plain strategies (not auto) ran with: disk_full $(extra disk_full)"
echo "none: dfs explored every schedule (no preemption bound) and found nothing;" \
     "-: not found"
echo "total $(($(date +%s) - t_start)) s"
if [ "$bugs" = 0 ]; then
    echo "bench/strategies.sh: no example with a _fixed twin in $exdir" >&2
    exit 1
fi
if [ "$twins_ok" = "$bugs" ]; then
    echo "target: every fixed twin 0 failures in $twin_iter executions (auto): $twins_ok of $bugs met"
else
    echo "target: every fixed twin 0 failures in $twin_iter executions (auto):" \
         "$twins_ok of $bugs NOT met:$twin_bad"
fi
if [ "$auto_all" = "$bugs" ]; then
    echo "target: auto finds every bug in every seed within $budget: $auto_all of $bugs met"
else
    echo "target: auto finds every bug in every seed within $budget:" \
         "$auto_all of $bugs NOT met:$auto_missed"
fi
exit $status
