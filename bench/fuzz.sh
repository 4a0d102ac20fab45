#!/bin/sh
# bench/fuzz.sh BUILD_DIR — executions to the first failure on the bug zoo's
# rare bugs: random exploration vs libFuzzer choosing the schedule with
# weft's interleaving feedback (`BIN fuzz`) vs libFuzzer without it
# (`BIN fuzz --no-feedback`), same budget, same run.
#
# For each bug NAME (default: lost_update; the rare ones, narrow_window —
# a one-checkpoint window at iteration 15 of 20 — and flag_rollout — a
# depth-3 ordering of three tasks —; and philosophers, a cycle of three
# locks; those whose example exists in BUILD_DIR/examples), SEEDS campaigns
# each:
#   random    `explore NAME --strategy random --seed S --iterations BUDGET
#             --json --no-db`, S = k * 1000000000 (k = 1..SEEDS: far apart,
#             so that no two campaigns share an execution);
#             first_failure_execution + 1
#   feedback  `fuzz NAME -runs=BUDGET -seed=k --no-db -keep_seed=1
#             -print_final_stats=1 CORPUS SEEDDIR`: libFuzzer's
#             stat::number_of_executed_units at the crash (the failing
#             execution included)
#   no fb     the same with --no-feedback
# A campaign that reaches BUDGET (or PER_RUN seconds) without the failure
# is a miss; a median that falls on a miss prints ">BUDGET" and a cell with
# misses says how many seeds found it. Ratios: random / feedback and
# no-feedback / feedback (above 1: the feedback needed fewer executions).
#
# Both libFuzzer modes start from the same one-byte seed input (0x00) kept
# with -keep_seed=1, in a fresh corpus directory per campaign: without
# weft's counters an uninstrumented test binary gives libFuzzer no feature
# at all, and it would exit at once ("no interesting inputs were found").
#
# Environment: WEFT_FUZZ_BENCH_BUGS (space-separated names), _SEEDS (10),
# _BUDGET (200000), _PER_RUN (seconds per campaign, 20). Prints a table and
# `target:` lines (see bench/run.sh). Exit status 0 when every campaign ran,
# 1 otherwise. About 30-60 s on 2 cores.
set -u

build=${1:-build}
exdir=$build/examples
bugs=${WEFT_FUZZ_BENCH_BUGS:-lost_update narrow_window flag_rollout philosophers}
seeds=${WEFT_FUZZ_BENCH_SEEDS:-10}
budget=${WEFT_FUZZ_BENCH_BUDGET:-200000}
per_run=${WEFT_FUZZ_BENCH_PER_RUN:-20}
rare="narrow_window flag_rollout"

if [ ! -d "$exdir" ]; then
    echo "bench/fuzz.sh: $exdir not found: build first (cmake --build $build)" >&2
    exit 1
fi
exdir=$(cd "$exdir" && pwd) # the fuzz runs happen in a scratch directory
tmp=$(mktemp -d "${TMPDIR:-/tmp}/weft-fuzz-bench.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
status=0
mkdir -p "$tmp/seed" && printf '\000' >"$tmp/seed/zero"

first=""
for b in $bugs; do
    [ -x "$exdir/$b" ] && { first=$b; break; }
done
if [ -z "$first" ]; then
    echo "bench/fuzz.sh: none of $bugs in $exdir" >&2
    exit 1
fi
if "$exdir/$first" fuzz "$first" -runs=1 --no-db "$tmp/seed" 2>&1 |
        grep -q "without libFuzzer"; then
    echo "bench/fuzz.sh: $exdir/$first is linked without libFuzzer (needs clang's" \
         "libclang_rt.fuzzer_no_main); nothing to compare"
    exit 0
fi

# random NAME K: executions to the first failure, or "miss"
random_one() {
    timeout "$per_run" "$exdir/$1" explore "$1" --strategy random --seed "$(($2 * 1000000000))" \
        --iterations "$budget" --json --no-db 2>/dev/null |
        sed -n 's/.*"first_failure_execution":\([0-9][0-9]*\).*/\1/p' |
        awk '{ print $1 + 1; found = 1 } END { if (!found) print "miss" }'
}

# fuzz NAME K [--no-feedback]: executed units at the crash, or "miss"
fuzz_one() {
    name=$1 k=$2
    shift 2
    rm -rf "$tmp/c" "$tmp/a"
    mkdir -p "$tmp/c" "$tmp/a"
    (cd "$tmp" && timeout "$per_run" "$exdir/$name" fuzz "$name" "$@" -runs="$budget" \
        -seed="$k" --no-db -keep_seed=1 -print_final_stats=1 -artifact_prefix="$tmp/a/" \
        "$tmp/c" "$tmp/seed") >"$tmp/log" 2>&1
    rc=$?
    if [ "$rc" != 0 ] && grep -q "^FAIL $name" "$tmp/log"; then
        sed -n 's/^stat::number_of_executed_units: *//p' "$tmp/log" | head -n 1
    elif [ "$rc" = 0 ] || [ "$rc" = 124 ]; then
        echo miss
    else
        echo "bench/fuzz.sh: $name fuzz $* -seed=$k exited $rc:" >&2
        tail -5 "$tmp/log" >&2
        echo error
    fi
}

# median FILE: the median of the values (a miss counts as infinite), then
# how many were found: "1234 10" or ">200000 3"
median() {
    sort -n "$1" | awk -v b="$budget" '
        { v[NR] = ($1 == "miss" || $1 == "error") ? -1 : $1; if (v[NR] >= 0) f++ }
        END {
            n = NR; m = 0; j = 0
            for (i = 1; i <= n; i++) if (v[i] >= 0) s[++j] = v[i]
            for (i = 1; i <= n; i++) if (v[i] < 0) s[++j] = -1
            lo = s[int((n + 1) / 2)]; hi = s[int(n / 2) + 1]
            if (lo < 0 || hi < 0) printf ">%d %d\n", b, f
            else printf "%g %d\n", (lo + hi) / 2, f
        }'
}

cell() { # "MEDIAN FOUND" -> "MEDIAN" or "MEDIAN (f/n)"
    set -- $1
    if [ "$2" = "$seeds" ]; then echo "$1"; else echo "$1 ($2/$seeds)"; fi
}

ratio() { # A B -> A / B, ">=" when A is censored, "<=" when B is
    awk -v a="$1" -v b="$2" 'BEGIN {
        ca = sub(/^>/, "", a); cb = sub(/^>/, "", b)
        if (ca && cb) { print "-"; exit }
        r = (b > 0 ? a / b : 0)
        printf "%s%.1fx\n", (ca ? ">=" : (cb ? "<=" : "")), r }'
}

echo "fuzz vs random: executions to the first failure, median of $seeds seeds," \
     "budget $budget ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores)"
printf '%-16s %16s %16s %16s %10s %10s\n' "bug" "random" "fuzz+feedback" "fuzz no-fb" \
    "rnd/fb" "nofb/fb"
met=0 rare_n=0
for b in $bugs; do
    if [ ! -x "$exdir/$b" ]; then
        echo "bench/fuzz.sh: $exdir/$b not found: skipped" >&2
        continue
    fi
    : >"$tmp/r" ; : >"$tmp/f" ; : >"$tmp/n"
    k=1
    while [ "$k" -le "$seeds" ]; do
        random_one "$b" "$k" >>"$tmp/r"
        fuzz_one "$b" "$k" >>"$tmp/f"
        fuzz_one "$b" "$k" --no-feedback >>"$tmp/n"
        k=$((k + 1))
    done
    grep -q error "$tmp/f" "$tmp/n" && status=1
    mr=$(median "$tmp/r") mf=$(median "$tmp/f") mn=$(median "$tmp/n")
    printf '%-16s %16s %16s %16s %10s %10s\n' "$b" "$(cell "$mr")" "$(cell "$mf")" \
        "$(cell "$mn")" "$(ratio "${mr% *}" "${mf% *}")" "$(ratio "${mn% *}" "${mf% *}")"
    printf '  %s runs: random %s | feedback %s | no-fb %s\n' "$b" "$(tr '\n' ' ' <"$tmp/r")" \
        "$(tr '\n' ' ' <"$tmp/f")" "$(tr '\n' ' ' <"$tmp/n")"
    case " $rare " in
    *" $b "*)
        rare_n=$((rare_n + 1))
        if awk -v r="${mr% *}" -v f="${mf% *}" -v n="${mn% *}" 'BEGIN {
                cr = sub(/^>/, "", r); cn = sub(/^>/, "", n); cf = sub(/^>/, "", f)
                exit !(!cf && (cr || f + 0 < r + 0) && (cn || f + 0 < n + 0)) }'; then
            met=$((met + 1))
        fi ;;
    esac
done
if [ "$rare_n" -gt 0 ]; then
    printf 'target: fuzz with feedback beats random and no-feedback on the rare bugs: %s of %s %s\n' \
        "$met" "$rare_n" "$([ "$met" = "$rare_n" ] && echo met || echo "NOT met")"
fi
exit $status
