/*
 * exec.h — what the runtime offers the layers above it: run one execution
 * under a decider, and learn how it ended. The scheduler and the harness
 * include this, never rt.h: they do not see tasks or scopes.
 */
#ifndef WEFT_RUNTIME_EXEC_H
#define WEFT_RUNTIME_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <weft/weft.h>

#include "decide.h"

/* Parameters of one execution. */
typedef struct weft__exec_params {
    weft__decider *decider;
    weft_task_fn main;
    void *arg;
    const char *test_name;
    uint64_t max_steps;        /* steps allowed in the fair tail */
    uint64_t fair_after;       /* steps of the unfair (decided) prefix */
    size_t stack_size;
    bool inject;               /* ask the decider at weft_inject sites */
    bool inject_cancel;        /* ask at cancellation points whether the
                                  outside world cancels a scope there */
    bool inject_timeout;       /* ask at scheduling points whether time
                                  jumps to the next timer while tasks run */
} weft__exec_params;

/* How one execution ended. */
typedef struct weft__outcome {
    int kind;                  /* enum weft_failure_kind; NONE: passed */
    int status;                /* the main task's result */
    uint64_t steps;
    char location[256];        /* "file:line" or "" */
    char message[8192];
} weft__outcome;

/* Runs one execution to its end on the calling thread; fills *out. Returns
 * 0, or -1 when the execution could not start (message in out). Executions
 * on one thread reuse one set of pools: memory does not grow with their
 * number. */
int weft__exec_run(const weft__exec_params *p, weft__outcome *out);

/* Frees the calling thread's pools (stacks, arena); for leak checkers. */
void weft__rt_release(void);

/* Name of the compiled-in context switch ("asm-x86_64", "ucontext"). */
const char *weft__fiber_backend(void);

#endif /* WEFT_RUNTIME_EXEC_H */
