/*
 * switch_measure.c — the raw fiber switch measurement, compiled into both
 * bench_switch (which prints it alone) and bench_point (which needs it as
 * the baseline of its own ratio, measured in the same process just before).
 * Each declares the two functions below itself.
 *
 * Internal API (runtime/fiber.h, runtime/stack.h): link against `weft` only.
 * A ping-pong between the calling thread's own context and one fiber that
 * does nothing but switch back; the time of `switches` switches (half of
 * them there, half back) divided by their number.
 */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE /* clock_gettime under -std=c11 */
#endif
#include <stdio.h>
#include <time.h>

#include "../runtime/fiber.h"
#include "../runtime/stack.h"

static weft__fiber bench_main_f, bench_echo_f;
static volatile int bench_echo_stop;

/* Switches straight back, until told to stop. */
static void bench_echo_entry(void *arg)
{
    (void)arg;
    while (!bench_echo_stop)
        weft__fiber_switch(&bench_echo_f, &bench_main_f);
    weft__fiber_switch_final(&bench_echo_f, &bench_main_f);
}

double bench_now_ns(void);
double bench_switch_ns(long switches, int runs);

double bench_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Best of `runs` runs of `switches` switches each, in ns per switch; < 0
 * when no stack could be mapped. */
double bench_switch_ns(long switches, int runs)
{
    static weft__stack_pool pool;
    weft__stack st;
    double best = -1;

    weft__stack_pool_init(&pool, 64 * 1024);
    if (weft__stack_get(&pool, &st) != 0) {
        perror("bench: stack");
        return -1;
    }
    bench_echo_stop = 0;
    weft__fiber_init_main(&bench_main_f);
    weft__fiber_make(&bench_echo_f, st.lo, st.size, bench_echo_entry, NULL);
    weft__fiber_switch(&bench_main_f, &bench_echo_f); /* warm up: start it */
    for (int r = 0; r < runs; r++) {
        double t0 = bench_now_ns();
        for (long i = 0; i < switches / 2; i++)
            weft__fiber_switch(&bench_main_f, &bench_echo_f);
        double ns = (bench_now_ns() - t0) / (double)(switches / 2 * 2);
        if (best < 0 || ns < best)
            best = ns;
    }
    bench_echo_stop = 1;
    weft__fiber_switch(&bench_main_f, &bench_echo_f); /* let it finish */
    weft__stack_put(&pool, &st);
    weft__stack_pool_destroy(&pool);
    return best;
}
