/*
 * bench_point.c — nanoseconds per scheduling point through the scheduler
 * with the random strategy, as a ratio to the raw fiber switch measured in
 * the same process just before.
 *
 *   bench_point [--raw] [checkpoints_per_task]     (default 4000)
 *
 * The program: a main task opens a group, spawns 2 tasks that each call
 * weft_checkpoint() N times, and joins. One scheduling point is one `step`
 * of the runtime (rt->step): every checkpoint, plus the few of spawning,
 * joining and task exit. N = 4000 keeps an execution (~8000 steps) inside
 * the unfair prefix (WEFT__FAIR_AFTER = 10000), so the random strategy
 * decides every point, as in a real campaign.
 *
 * Three measurements, each the best of 5 runs of EXECS executions:
 *  - weft_check (the public entry, seeds 0..EXECS-1): everything a campaign
 *    does per point (decision, trace recording, switch) plus its per-
 *    execution work (trace hash, distinct-schedule set), divided by the
 *    steps those seeds take. Steps are counted once with weft__run_seed on
 *    the same seeds: an execution's steps depend only on its seed.
 *    This is the headline number and the one the target applies to.
 *  - weft__run_seed (internal, scheduler/explore.h): one execution under
 *    the random source, without weft_check's bookkeeping.
 *  - weft__exec_run with fair_after = 0: no decision asked at all (the fair
 *    tail's first-come-first-served order, which alternates the two tasks,
 *    so every point switches): the runtime's own cost per point.
 * About half of the random points pick the task that is already running
 * and do not switch.
 *
 * Target: a random scheduling point costs at most 10x a raw switch.
 * Internal API: links against `weft` (the assembly backend) only.
 */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <weft/weft.h>

#include "../runtime/exec.h"
#include "../scheduler/explore.h"
#include "../scheduler/source.h"
/* bench/switch_measure.c */
double bench_now_ns(void);
double bench_switch_ns(long switches, int runs); /* best of runs; < 0: error */

#define RUNS 5
#define EXECS 100
#define TARGET_RATIO 10.0

static long n_checkpoints = 4000;

static int spinner(void *arg)
{
    (void)arg;
    for (long i = 0; i < n_checkpoints; i++)
        weft_checkpoint();
    return WEFT_OK;
}

static int two_spinners(void *arg)
{
    (void)arg;
    weft_group *g = weft_group_open();
    weft_spawn(g, spinner, NULL, "a");
    weft_spawn(g, spinner, NULL, "b");
    return weft_group_join(g);
}

/* The decider of the fair-tail run: never asked (fair_after = 0). */
static size_t never_pick(weft__decider *d, const weft__runnable *q, size_t n,
                         uint64_t step)
{
    (void)d, (void)q, (void)n, (void)step;
    abort();
}

static size_t never_choose(weft__decider *d, int kind, size_t n, uint64_t step)
{
    (void)d, (void)kind, (void)n, (void)step;
    abort();
}

static void fail(const char *what, const char *msg)
{
    fprintf(stderr, "bench_point: %s: %s\n", what, msg);
    exit(1);
}

int main(int argc, char **argv)
{
    int raw = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--raw") == 0)
            raw = 1;
        else
            n_checkpoints = atol(argv[i]);
    }
    if (n_checkpoints < 1) {
        fprintf(stderr, "usage: %s [--raw] [checkpoints_per_task >= 1]\n", argv[0]);
        return 2;
    }

    double switch_ns = bench_switch_ns(4000000L, RUNS);
    if (switch_ns < 0)
        return 1;

    weft_options opt = WEFT_OPTIONS_INIT;
    opt.iterations = EXECS;
    opt.quiet = true;
    weft__strategy st;
    char err[256];
    if (weft__options_check(&opt, &st, err, sizeof err) != 0)
        fail("options", err);

    /* steps of seeds 0..EXECS-1, and the run_seed timing */
    weft__trace rec;
    weft__trace_init(&rec);
    weft__outcome oc;
    uint64_t steps = 0;
    double best_seed = -1;
    for (int r = 0; r < RUNS; r++) {
        uint64_t s = 0;
        double t0 = bench_now_ns();
        for (uint64_t seed = 0; seed < EXECS; seed++) {
            if (weft__run_seed("point", two_spinners, NULL, &opt, &st, seed, &rec, &oc) != 0 ||
                oc.kind != WEFT_KIND_NONE)
                fail("weft__run_seed", oc.message);
            s += oc.steps;
        }
        double ns = (bench_now_ns() - t0) / (double)s;
        if (r == 0)
            steps = s;
        else if (s != steps)
            fail("determinism", "the same seeds took different numbers of steps");
        if (best_seed < 0 || ns < best_seed)
            best_seed = ns;
    }
    weft__trace_free(&rec);

    /* the public entry over the same seeds */
    double best_check = -1;
    for (int r = 0; r < RUNS; r++) {
        weft_report rep;
        double t0 = bench_now_ns();
        int rc = weft_check("point", two_spinners, NULL, &opt, &rep);
        double ns = (bench_now_ns() - t0) / (double)steps;
        if (rc != 0 || rep.executions != EXECS)
            fail("weft_check", "the test failed");
        weft_report_free(&rep);
        if (best_check < 0 || ns < best_check)
            best_check = ns;
    }

    /* no decisions: the runtime alone */
    weft__decider none = {never_pick, never_choose, NULL};
    weft__exec_params p = {
        .decider = &none,
        .main = two_spinners,
        .test_name = "point",
        .max_steps = UINT64_MAX / 4,
        .fair_after = 0,
    };
    double best_fair = -1;
    uint64_t fair_steps = 0;
    for (int r = 0; r < RUNS; r++) {
        uint64_t s = 0;
        double t0 = bench_now_ns();
        for (int e = 0; e < EXECS; e++) {
            if (weft__exec_run(&p, &oc) != 0 || oc.kind != WEFT_KIND_NONE)
                fail("weft__exec_run", oc.message);
            s += oc.steps;
        }
        double ns = (bench_now_ns() - t0) / (double)s;
        fair_steps = s;
        if (best_fair < 0 || ns < best_fair)
            best_fair = ns;
    }
    weft__rt_release();

    double ratio = best_check / switch_ns;
    int met = ratio <= TARGET_RATIO;
    if (raw) {
        printf("switch_ns %.2f\n", switch_ns);
        printf("point_ns_check %.2f\n", best_check);
        printf("point_ns_run_seed %.2f\n", best_seed);
        printf("point_ns_no_decision %.2f\n", best_fair);
        printf("steps_per_exec %.1f\n", (double)steps / EXECS);
        printf("point_ratio %.2f\n", ratio);
        return 0;
    }
    char base[64];
    snprintf(base, sizeof base, "raw switch %.2f ns", switch_ns);
    printf("%-40s %12.2f %-10s %-22s %7.2fx\n", "scheduling point, random (weft_check)",
           best_check, "ns/point", base, ratio);
    printf("%-40s %12.2f %-10s %-22s %7.2fx\n", "  same, one execution (weft__run_seed)",
           best_seed, "ns/point", base, best_seed / switch_ns);
    printf("%-40s %12.2f %-10s %-22s %7.2fx\n", "  no decisions (fair tail, always switch)",
           best_fair, "ns/point", base, best_fair / switch_ns);
    printf("%-40s %12.1f steps/exec (%d execs of 2 tasks x %ld checkpoints; fair: %.1f)\n",
           "  scheduling points counted", (double)steps / EXECS, EXECS, n_checkpoints,
           (double)fair_steps / EXECS);
    printf("target: scheduling point <= %.0fx raw switch: %.2fx (%.2f / %.2f ns) %s\n",
           TARGET_RATIO, ratio, best_check, switch_ns, met ? "met" : "NOT met");
    return 0;
}
