/*
 * minimize.h — shrinking a failing schedule while keeping its failure.
 */
#ifndef WEFT_SCHEDULER_MINIMIZE_H
#define WEFT_SCHEDULER_MINIMIZE_H

#include <weft/weft.h>

#include "trace.h"

typedef struct weft__min_stats {
    uint64_t steps;
    size_t decisions;
    size_t preemptions;
    size_t injections;
} weft__min_stats;

typedef struct weft__min_result {
    weft__trace trace;         /* the minimized schedule (strictly replayable) */
    weft__min_stats before, after;
    uint64_t signature;
    unsigned runs;             /* executions the minimizer spent */
} weft__min_result;

/* Shrinks `from` (a failing schedule of fn) keeping the same failure
 * signature: first fewer preemptions, then fewer decisions (a shorter
 * prefix, the rest run without preemption), then fewer injected events.
 * Returns 0 and fills *out (free out->trace), or -1 with a message when
 * `from` does not reproduce its failure. */
int weft__minimize(const char *name, weft_task_fn fn, void *arg,
                   const weft__trace *from, unsigned max_runs,
                   weft__min_result *out, char *err, size_t err_len);

#endif /* WEFT_SCHEDULER_MINIMIZE_H */
