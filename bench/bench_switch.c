/*
 * bench_switch.c — nanoseconds per raw fiber switch (runtime/fiber.c and its
 * assembly), measured as a ping-pong between the main fiber and one fiber
 * that does nothing but switch back (bench/switch_measure.c).
 *
 *   bench_switch [switches]      (default 10,000,000)
 *
 * Prints one table row (see bench/run.sh):
 *
 *   raw context switch (asm-x86_64)      6.90 ns/switch
 *
 * and, with --raw, one `switch_ns <value> backend <name>` line instead. The
 * value is the best of 5 runs of that many switches (half of them main ->
 * fiber, half back), timed with CLOCK_MONOTONIC: the best run is the one
 * least disturbed by the machine. No target: this is the baseline of the
 * other ratios (FACTS.md: ~3 ns on the reference machine).
 * Invariant: the fiber is finished and its stack returned before exit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../runtime/fiber.h"

/* bench/switch_measure.c */
double bench_now_ns(void);
double bench_switch_ns(long switches, int runs); /* best of runs; < 0: error */

#define RUNS 5
#define DEFAULT_SWITCHES 10000000L

int main(int argc, char **argv)
{
    long switches = DEFAULT_SWITCHES;
    int raw = 0;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--raw") == 0)
            raw = 1;
        else
            switches = atol(argv[i]);
    }
    if (switches < 2) {
        fprintf(stderr, "usage: %s [--raw] [switches >= 2]\n", argv[0]);
        return 2;
    }
    double best = bench_switch_ns(switches, RUNS);
    if (best < 0)
        return 1;
    if (raw) {
        printf("switch_ns %.2f backend %s\n", best, weft__fiber_backend());
    } else {
        char what[64];
        snprintf(what, sizeof what, "raw context switch (%s)", weft__fiber_backend());
        printf("%-40s %12.2f %s\n", what, best, "ns/switch");
    }
    return 0;
}
