#!/usr/bin/env bash
# bench/sctbench/run.sh — SCTBench and ConVul under weft, beside the
# published results of RFF, POS, PCT3, QL and PERIOD.
#
#   bench/sctbench/run.sh PATH [PATH...]
#
# Each PATH is a checkout of one of:
#   - the PERIOD repository (its evaluation/ folder holds the SCTBench and
#     ConVul programs exactly as RFF measured them: CB, CS, Chess,
#     ConVul-CVE-Benchmarks, Inspect_benchmarks, SafeStack, Splash2);
#   - mc-imperial/sctbench (benchmarks/: CS, Chess, Inspect, SafeStack, CB);
#   - mryancai/ConVul (cve-benchmark/).
# A program found in several checkouts is taken from the first. Nothing is
# copied into the weft tree: programs are built into $WORK.
#
# Every program is built with weft-cc (weft-c++ for C++) unmodified, with
# the arguments its evaluation used, and explored under each strategy in
# STRATEGIES: TRIALS trials (seeds 1000003*t), each `explore` stopping at
# the first failure or after LIMIT schedules. A separate run of LIMIT
# schedules (or RATE_SECONDS) with --keep-going measures schedules per
# second. Printed per program and strategy: found in how many trials, mean
# schedules to the first bug (1 = the first schedule), schedules per second.
# Then, per strategy, how many programs were found in every trial, and the
# median rate; with PUBLISHED=dir (rff_full.csv, period_final.csv) the
# published numbers of the same programs beside weft's.
#
# Environment: WEFT_BUILD (a weft build tree with weft-cc; default: build/
# next to this script's repository), STRATEGIES ("random pct:2 pct:3 pos
# auto"), TRIALS (20), LIMIT (10000), RATE_SECONDS (3), JOBS (cores),
# ONLY (a regular expression of program names), WORK (/tmp/weft-sctbench),
# PUBLISHED (the published data, optional), KEEP (1: reuse earlier results).
#
# What counts as a bug is what the evaluations counted: an assertion, a
# crash (SIGSEGV, abort), a deadlock, and for the ConVul programs (built
# with AddressSanitizer there) a use after free or double free, which weft's
# heap checks report. ctrace-test's bug is a data race (TSan in the
# evaluation): it runs with --races and exits 6 normally (WEFT_EXIT_OK=6).
# Programs that need the network (aget) or large third-party builds
# (RADBench's SpiderMonkey/NSPR, the NEW programs) are listed as skipped.
set -u

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
WEFT_BUILD=${WEFT_BUILD:-$repo/build}
STRATEGIES=${STRATEGIES:-random pct:2 pct:3 pos auto}
TRIALS=${TRIALS:-20}
LIMIT=${LIMIT:-10000}
RATE_SECONDS=${RATE_SECONDS:-3}
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
ONLY=${ONLY:-.}
WORK=${WORK:-/tmp/weft-sctbench}
KEEP=${KEEP:-0}
CC_C=$WEFT_BUILD/weft-cc
CC_CXX=$WEFT_BUILD/weft-c++

[ $# -ge 1 ] || { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
[ -x "$CC_C" ] || { echo "run.sh: no weft-cc in $WEFT_BUILD (set WEFT_BUILD)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "run.sh: needs python3" >&2; exit 2; }
mkdir -p "$WORK/bin" "$WORK/results" "$WORK/log"

# ------------------------------------------------------------ the programs
# One line per program in $WORK/programs.tsv, fields separated by '|':
#   name lang dir sources args test stdin env
names=()
declare -A seen
prog() { # name lang dir "sources" "args" test stdin "env"
  [[ -n ${seen[$1]:-} ]] && return
  [[ $1 =~ $ONLY ]] || return
  seen[$1]=1
  names+=("$1")
  printf '%s|%s|%s|%s|%s|%s|%s|%s\n' "$@" >>"$WORK/programs.tsv"
}
skipped=()
skip() { [[ $1 =~ $ONLY ]] && skipped+=("$1: $2"); }

chess_args() {
  case $1 in InterlockedWorkStealQueue | WorkStealQueue) echo "1 4 2" ;; *) echo "2 4 2" ;; esac
}

from_period() { # PATH/evaluation
  local e=$1 d n
  for d in "$e"/CS/*/; do
    n=$(basename "$d")
    [ -f "$d/${n}_bad.c" ] && prog "CS/$n" c "$d" "${n}_bad.c" "" main "" ""
  done
  for n in InterlockedWorkStealQueue InterlockedWorkStealQueueWithState StateWorkStealQueue \
      WorkStealQueue; do
    [ -f "$e/Chess/$n/$n.cpp" ] && prog "Chess/$n" c++ "$e/Chess/$n" "$n.cpp" "$(chess_args $n)" main "" ""
  done
  for d in "$e"/ConVul-CVE-Benchmarks/CVE-*/; do
    n=$(basename "$d")
    local src
    src=$(cd "$d" && ls ./*.cpp ./*.c 2>/dev/null | head -n 1)
    [ -n "$src" ] || continue
    local lang=c++
    case $src in *.c) lang=c ;; esac
    prog "ConVul-CVE-Benchmarks/$n" "$lang" "$d" "${src#./}" "" main "" ""
  done
  [ -f "$e/Inspect_benchmarks/bbuf/bbuf.c" ] &&
    prog Inspect_benchmarks/bbuf c "$e/Inspect_benchmarks/bbuf" bbuf.c "" main "" ""
  [ -f "$e/Inspect_benchmarks/boundedBuffer/boundedBuffer.c" ] &&
    prog Inspect_benchmarks/boundedBuffer c "$e/Inspect_benchmarks/boundedBuffer" boundedBuffer.c "" main "" ""
  [ -f "$e/Inspect_benchmarks/ctrace-test/ctrace-test.c" ] &&
    prog Inspect_benchmarks/ctrace-test c "$e/Inspect_benchmarks/ctrace-test" ctrace-test.c "2" \
      "main@memory+races" "" "WEFT_EXIT_OK=6"
  [ -f "$e/Inspect_benchmarks/qsort_mt/qsort_mt.c" ] &&
    prog Inspect_benchmarks/qsort_mt c "$e/Inspect_benchmarks/qsort_mt" qsort_mt.c "-n 32 -f 4 -h 3 -v" main "" ""
  [ -f "$e/SafeStack/SafeStack.cpp" ] && prog SafeStack c++ "$e/SafeStack" SafeStack.cpp "" main "" ""
  [ -f "$e/CB/stringbuffer-jdk1.4/main.cpp" ] &&
    prog CB/stringbuffer-jdk1.4 c++ "$e/CB/stringbuffer-jdk1.4" "main.cpp stringbuffer.cpp" "" main "" ""
  [ -f "$e/CB/pbzip2-0.9.4/pbzip2-0.9.4-src/pbzip2.cpp" ] &&
    prog CB/pbzip2-0.9.4 c++ "$e/CB/pbzip2-0.9.4" "pbzip2-0.9.4-src/pbzip2.cpp -lbz2" \
      "-k -f -p3 test.tar" main "" ""
  [ -f "$e/Splash2/fft/fft.C" ] && prog Splash2/fft m4 "$e/Splash2/fft" "fft" "-p2 -m2 -n4 -l4" main "" ""
  [ -f "$e/Splash2/lu/lu.C" ] && prog Splash2/lu m4 "$e/Splash2/lu" "lu" "-p2 -n2 -b1" main "" ""
  [ -f "$e/Splash2/barnes/code.C" ] &&
    prog Splash2/barnes m4 "$e/Splash2/barnes" "code code_io load grav getparam util" "" main input ""
  [ -d "$e/CB/aget-bug2" ] && skip CB/aget-bug2 "downloads over the network"
  for n in axel-2.17.10 bzip2smp lbzip2 lrzip pbzip2-1.0.5 pbzip2-1.1.13 xz; do
    skip "NEW/$n" "third-party build not scripted here"
  done
  for n in 2 3 4 5 6; do skip "RADBench/bug$n" "needs SpiderMonkey/NSPR builds"; done
}

from_sctbench() { # PATH/benchmarks
  local b=$1 f n
  for f in "$b"/concurrent-software-benchmarks/*_bad.c; do
    [ -f "$f" ] || continue
    n=$(basename "$f" _bad.c)
    prog "CS/$n" c "$b/concurrent-software-benchmarks" "$(basename "$f")" "" main "" ""
  done
  for n in InterlockedWorkStealQueue InterlockedWorkStealQueueWithState StateWorkStealQueue \
      WorkStealQueue; do
    [ -f "$b/chess/$n.cpp" ] && prog "Chess/$n" c++ "$b/chess" "$n.cpp" "$(chess_args $n)" main "" ""
  done
  [ -f "$b/inspect_benchmarks/qsort_mt.c" ] &&
    prog Inspect_benchmarks/qsort_mt c "$b/inspect_benchmarks" qsort_mt.c "-n 32 -f 4 -h 3 -v" main "" ""
  for n in bbuf boundedBuffer; do
    [ -f "$b/inspect_examples/$n.c" ] && prog "Inspect_benchmarks/$n" c "$b/inspect_examples" "$n.c" "" main "" ""
  done
  [ -f "$b/inspect_examples/ctrace-test.c" ] &&
    prog Inspect_benchmarks/ctrace-test c "$b/inspect_examples" ctrace-test.c "2" \
      "main@memory+races" "" "WEFT_EXIT_OK=6"
  [ -f "$b/safestack/SafeStack.cpp" ] && prog SafeStack c++ "$b/safestack" SafeStack.cpp "" main "" ""
  [ -f "$b/conc-bugs/stringbuffer-jdk1.4/main.cpp" ] &&
    prog CB/stringbuffer-jdk1.4 c++ "$b/conc-bugs/stringbuffer-jdk1.4" "main.cpp stringbuffer.cpp" "" main "" ""
}

from_convul() { # PATH/cve-benchmark
  local f n lang
  for f in "$1"/*.cpp "$1"/*.c; do
    [ -f "$f" ] || continue
    n=$(basename "$f")
    lang=c++
    case $n in *.c) lang=c ;; esac
    prog "ConVul-CVE-Benchmarks/CVE-${n%.*}" "$lang" "$1" "$n" "" main "" ""
  done
}

: >"$WORK/programs.tsv"
for p in "$@"; do
  p=$(cd "$p" && pwd) || exit 2
  if [ -d "$p/evaluation/CS" ]; then from_period "$p/evaluation"
  elif [ -d "$p/benchmarks/concurrent-software-benchmarks" ]; then from_sctbench "$p/benchmarks"
  elif [ -d "$p/cve-benchmark" ]; then from_convul "$p/cve-benchmark"
  else echo "run.sh: $p is not a PERIOD, SCTBench or ConVul checkout" >&2; exit 2
  fi
done
[ ${#names[@]} -gt 0 ] || { echo "run.sh: no programs (ONLY=$ONLY)" >&2; exit 2; }

# -------------------------------------------------------------------- build
slug() { echo "$1" | tr '/:' '__'; }

build() { # name lang dir sources
  local name=$1 lang=$2 dir=$3 srcs=$4 out bdir
  out=$WORK/bin/$(slug "$name")
  bdir=$WORK/src/$(slug "$name")
  rm -rf "$bdir"
  mkdir -p "$bdir"
  cp -r "$dir"/. "$bdir"/ 2>/dev/null
  (
    cd "$bdir" || exit 1
    case $lang in
      c) "$CC_C" -w -O0 $srcs -o "$out" -lm ;;
      c++) "$CC_CXX" -w -O0 -std=gnu++11 $srcs -o "$out" -lm ;;
      m4)
        for h in *.H; do [ -f "$h" ] && m4 null_macros/c.m4.null "$h" >"${h%.H}.h"; done
        local cs=()
        for s in $srcs; do m4 null_macros/c.m4.null "$s.C" >"$s.c" && cs+=("$s.c"); done
        "$CC_C" -w -O0 "${cs[@]}" -o "$out" -lm ;;
    esac
  ) >"$WORK/log/$(slug "$name").build" 2>&1
}

echo "building ${#names[@]} programs into $WORK/bin (logs in $WORK/log)" >&2
built=()
while IFS='|' read -r name lang dir srcs args test stdin env; do
  if [ "$KEEP" = 1 ] && [ -x "$WORK/bin/$(slug "$name")" ]; then built+=("$name"); continue; fi
  if build "$name" "$lang" "$dir" "$srcs"; then built+=("$name"); else
    skipped+=("$name: build failed (see $WORK/log/$(slug "$name").build)")
  fi
done <"$WORK/programs.tsv"

# ---------------------------------------------------------------------- run
# One task per line: kind name strategy seed. kind: trial or rate.
tasks=$WORK/tasks
: >"$tasks"
for name in "${built[@]}"; do
  for st in $STRATEGIES; do
    echo "rate $name $st 999" >>"$tasks"
    for ((t = 0; t < TRIALS; t++)); do echo "trial $name $st $((1000003 * t))" >>"$tasks"; done
  done
done

run_task() { # kind name strategy seed
  local kind=$1 name=$2 st=$3 seed=$4 line lang dir srcs args test stdin env res
  line=$(awk -F'|' -v n="$name" '$1 == n' "$WORK/programs.tsv")
  IFS='|' read -r _ lang dir srcs args test stdin env <<<"$line"
  res=$WORK/results/$(slug "$name")/$(slug "$st")
  mkdir -p "$res"
  local out=$res/$kind-$seed.json
  [ "$KEEP" = 1 ] && [ -s "$out" ] && return
  local bdir=$WORK/src/$(slug "$name") extra=()
  [ "$kind" = rate ] && extra=(--keep-going --time-limit "$RATE_SECONDS")
  (
    cd "$bdir" || exit 1
    export WEFT_ARGS="$args"
    [ -n "$env" ] && export "${env?}"
    if [ -n "$stdin" ]; then exec <"$stdin"; else exec </dev/null; fi
    timeout 600 "$WORK/bin/$(slug "$name")" explore "$test" --strategy "$st" --seed "$seed" \
      --iterations "$LIMIT" --no-db --quiet --json "${extra[@]}" 2>/dev/null | tail -n 1
  ) >"$out.tmp"
  mv "$out.tmp" "$out"
}
export -f run_task slug
export WORK KEEP LIMIT RATE_SECONDS

total=$(wc -l <"$tasks")
echo "running $total explorations on $JOBS cores ..." >&2
xargs -P "$JOBS" -L 1 bash -c 'run_task "$@"' _ <"$tasks"

# ----------------------------------------------------------------- the table
printf '%s\n' "${skipped[@]+"${skipped[@]}"}" >"$WORK/skipped.txt"
python3 - "$WORK" "$TRIALS" "$LIMIT" "${PUBLISHED:-}" "$STRATEGIES" <<'PY'
import csv, glob, json, os, statistics, sys
work, trials, limit, published, strategies = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5].split()
progs = [l.split('|')[0] for l in open(os.path.join(work, 'programs.tsv')) if l.strip()]
slug = lambda s: s.replace('/', '_').replace(':', '_')

def load(path):
    try:
        with open(path) as f:
            return json.loads(f.read() or 'null')
    except (OSError, ValueError):
        return None

res = {}
for p in progs:
    for st in strategies:
        d = os.path.join(work, 'results', slug(p), slug(st))
        if not os.path.isdir(d):
            continue
        found, to_bug, kinds = 0, [], set()
        for t in range(trials):
            j = load(os.path.join(d, 'trial-%d.json' % (1000003 * t)))
            if j and j.get('failures'):
                found += 1
                to_bug.append(j['first_failure_execution'] + 1)
                kinds.add(j['failures'][0]['kind'])
        r = load(os.path.join(d, 'rate-999.json'))
        rate = r['executions'] / r['elapsed_s'] if r and r.get('elapsed_s') else float('nan')
        res[(p, st)] = (found, statistics.mean(to_bug) if to_bug else None, rate, kinds)

w = max(len(p) for p in progs) + 2
print('%-*s %-8s %7s %12s %12s  %s' % (w, 'program', 'strategy', 'found', 'to-bug mean', 'sched/s', 'kind'))
for p in progs:
    for st in strategies:
        if (p, st) not in res:
            continue
        f, m, rate, kinds = res[(p, st)]
        print('%-*s %-8s %4d/%-2d %12s %12.0f  %s' % (w, p, st, f, trials, '%.1f' % m if m else '-', rate,
                                                    ','.join(sorted(kinds))))
print()
for st in strategies:
    rows = [res[(p, st)] for p in progs if (p, st) in res]
    allf = sum(1 for r in rows if r[0] == trials)
    rates = [r[2] for r in rows if r[2] == r[2]]
    print('%-8s found in all %d trials: %d of %d programs; median schedules/s %.0f' %
          (st, trials, allf, len(rows), statistics.median(rates) if rates else float('nan')))
skipped = [l.strip() for l in open(os.path.join(work, 'skipped.txt')) if l.strip()]
if skipped:
    print('\nnot run: ' + '; '.join(skipped))

if not published:
    sys.exit(0)
# ------------------------------------------------------------ published data
cfg = {'RFF': 'power-coe-schedfuzz', 'POS': 'pos-only-schedfuzz',
       'PCT3': 'pct-no-rff-always-rand-schedfuzz', 'QL': 'qlearning-schedfuzz'}
pub = {}
with open(os.path.join(published, 'rff_full.csv')) as f:
    for r in csv.reader(f):
        if len(r) < 8 or r[0] not in cfg.values():
            continue
        pub.setdefault((r[0], r[1]), []).append(r)
period = {}
pf = os.path.join(published, 'period_final.csv')
if os.path.exists(pf):
    with open(pf) as f:
        for r in csv.DictReader(f):
            n = r['name'].split('/evaluation/')[-1]
            period.setdefault(n, []).append(r)

def pub_stats(c, p):
    rs = pub.get((c, p), [])
    hit = [float(r[5]) for r in rs if r[5] not in ('', 'nan')]
    rates = []
    for r in rs:
        try:
            tot, stb, ttb = float(r[6]), float(r[5] or 'nan'), float(r[7] or 'nan')
        except ValueError:
            continue
        rates.append(tot / 300.0 if not (tot <= stb) else (stb / ttb if ttb > 0 else float('nan')))
    rates = [x for x in rates if x == x]
    return len(hit), len(rs), (statistics.mean(hit) if hit else None), (statistics.median(rates) if rates else None)

def period_stats(p):
    rs = period.get(p, [])
    hit = [int(r['numToFirstBug']) for r in rs if r['numToFirstBug'] not in ('', '-1')
           and int(r['numToFirstBug']) > 0]
    return len(hit), len(rs), (statistics.mean(hit) if hit else None)

best = 'auto' if 'auto' in strategies else strategies[-1]
print('\nweft (%s) beside the published results: found/trials, mean schedules to the first bug' % best)
print('%-*s %-14s %-14s %-14s %-14s %-14s %-14s %10s %10s' % (w, 'program', 'weft', 'RFF', 'POS', 'PCT3',
      'QL', 'PERIOD', 'weft s/s', 'RFF s/s'))
fmt = lambda f, n, m: '%d/%d %s' % (f, n, ('%.0f' % m) if m else '-') if n else '-'
weft_all = rff_all = 0
ratios, weft_rates, rff_rates = [], [], []
for p in progs:
    if (p, best) not in res:
        continue
    f, m, rate, _ = res[(p, best)]
    cols = []
    for k in ('RFF', 'POS', 'PCT3', 'QL'):
        pf_, pn, pm, prate = pub_stats(cfg[k], p)
        cols.append(fmt(pf_, pn, pm))
        if k == 'RFF':
            rff_rate = prate
            rff_all += pn > 0 and pf_ == pn
    pf_, pn, pm = period_stats(p)
    cols.append(fmt(pf_, pn, pm))
    weft_all += f == trials
    if rate == rate:
        weft_rates.append(rate)
    if rff_rate:
        rff_rates.append(rff_rate)
    if rff_rate and rate == rate:
        ratios.append(rate / rff_rate)
    print('%-*s %-14s %-14s %-14s %-14s %-14s %-14s %10.0f %10s' % (w, p, fmt(f, trials, m), *cols, rate,
          ('%.0f' if rff_rate >= 10 else '%.2f') % rff_rate if rff_rate else '-'))
print('\nfound in every trial: weft (%s) %d, RFF %d (same programs)' % (best, weft_all, rff_all))
if ratios:
    print('schedules/s: median weft (%s) %.0f, median RFF %.1f (%.0fx); per program weft/RFF: '
          'median %.0fx, min %.0fx, max %.0fx' %
          (best, statistics.median(weft_rates), statistics.median(rff_rates),
           statistics.median(weft_rates) / statistics.median(rff_rates),
           statistics.median(ratios), min(ratios), max(ratios)))
PY
