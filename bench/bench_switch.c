/*
 * bench_switch.c — nanoseconds per raw fiber switch (runtime/fiber.c and its
 * assembly), measured as a ping-pong between the main fiber and one fiber
 * that does nothing but switch back.
 *
 *   bench_switch [switches]      (default 10,000,000)
 *
 * Prints one line, `switch_ns <value> backend <name>`: the best of 5 runs of
 * that many switches (half of them main -> fiber, half back), timed with
 * CLOCK_MONOTONIC. The best run is the one least disturbed by the machine.
 * Invariant: the fiber is finished and its stack returned before exit.
 */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE /* clock_gettime under -std=c11 */
#endif
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../runtime/fiber.h"
#include "../runtime/stack.h"

#define RUNS 5
#define DEFAULT_SWITCHES 10000000L

static weft__fiber main_f, echo_f;
static volatile int echo_stop;

/* Switches straight back, until told to stop. */
static void echo_entry(void *arg)
{
    (void)arg;
    while (!echo_stop)
        weft__fiber_switch(&echo_f, &main_f);
    weft__fiber_switch_final(&echo_f, &main_f);
}

static double now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Returns ns per switch over `switches` switches (an even number). */
static double run_once(long switches)
{
    double t0 = now_ns();

    for (long i = 0; i < switches / 2; i++)
        weft__fiber_switch(&main_f, &echo_f);
    return (now_ns() - t0) / (double)switches;
}

int main(int argc, char **argv)
{
    static weft__stack_pool pool;
    weft__stack st;
    long switches = argc > 1 ? atol(argv[1]) : DEFAULT_SWITCHES;
    double best = 0;

    if (switches < 2) {
        fprintf(stderr, "usage: %s [switches >= 2]\n", argv[0]);
        return 2;
    }
    weft__stack_pool_init(&pool, 64 * 1024);
    if (weft__stack_get(&pool, &st) != 0) {
        perror("bench_switch: stack");
        return 1;
    }
    weft__fiber_init_main(&main_f);
    weft__fiber_make(&echo_f, st.lo, st.size, echo_entry, NULL);
    weft__fiber_switch(&main_f, &echo_f); /* warm up: start the fiber */
    for (int r = 0; r < RUNS; r++) {
        double ns = run_once(switches);
        if (r == 0 || ns < best)
            best = ns;
    }
    echo_stop = 1;
    weft__fiber_switch(&main_f, &echo_f);
    weft__stack_put(&pool, &st);
    weft__stack_pool_destroy(&pool);
    printf("switch_ns %.2f backend %s\n", best, weft__fiber_backend());
    return 0;
}
