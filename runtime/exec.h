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

/* What an observer sees (recording for a report; nothing is recorded, and
 * nothing costs more than a branch, when no observer is set). */
enum weft__ev_kind {
    WEFT__EV_RUN = 1,        /* task starts running (after another) */
    WEFT__EV_YIELD,          /* task reached a scheduling point, still runnable */
    WEFT__EV_BLOCK,          /* task blocked in call on obj (text: on what) */
    WEFT__EV_WAKE,           /* task woken by `other` (UINT32_MAX: the clock) */
    WEFT__EV_SPAWN,          /* task created by `other` (call: its name) */
    WEFT__EV_DONE,           /* task returned status */
    WEFT__EV_CANCEL,         /* scope obj cancelled (cause), opened at file:line */
    WEFT__EV_CLOCK,          /* virtual time jumped to time */
    WEFT__EV_INJECT_TIMEOUT, /* injected: time jumps while tasks are runnable */
};

enum weft__cause {
    WEFT__CAUSE_EXPLICIT = 0, /* weft_scope_cancel / weft_group_cancel */
    WEFT__CAUSE_DEADLINE,     /* the scope's deadline */
    WEFT__CAUSE_FAILURE,      /* a child of the group failed */
    WEFT__CAUSE_INJECTED,     /* the scheduler injected it */
};

typedef struct weft__event {
    uint8_t kind;            /* enum weft__ev_kind */
    uint8_t cause;           /* EV_CANCEL: enum weft__cause */
    uint16_t op;             /* EV_YIELD: enum weft__op */
    uint32_t task;
    uint32_t other;
    uint32_t obj;
    int32_t status;
    uint64_t step;
    int64_t time;
    const char *file;        /* the user's source line, when known */
    int line;
    const char *call;        /* EV_BLOCK: API call; EV_SPAWN: task name */
    const char *text;        /* EV_BLOCK: what it waits on; valid in the call */
} weft__event;

typedef void (*weft__observer)(void *ctx, const weft__event *ev);

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
    uint64_t inject_sites;     /* swarm: nonzero key that enables about half
                                  of the weft_inject sites, by name; 0: all */
    weft__observer observe;    /* NULL: record nothing */
    void *observe_ctx;
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

/* ---- hooks for layers that schedule at their own points (the pthread
 * layer's memory accesses). Only valid inside an execution. */

/* Whether an execution is running on this thread. */
bool weft__in_execution(void);
/* A number that changes with every execution on this thread (to reset
 * per-execution tables lazily). */
uint64_t weft__exec_serial(void);
/* The usable stack of the running task: [*lo, *hi). */
void weft__task_stack_bounds(uintptr_t *lo, uintptr_t *hi);
/* A scheduling point that is not a cancellation point, with the operation
 * kind and object number the strategies see (POS: same object, conflict). */
void weft__sched_point(uint16_t op, uint32_t obj, const char *file, int line);

/* Name of the compiled-in context switch ("asm-x86_64", "ucontext"). */
const char *weft__fiber_backend(void);

#endif /* WEFT_RUNTIME_EXEC_H */
