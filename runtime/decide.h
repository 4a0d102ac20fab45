/*
 * decide.h — the one question the runtime asks: "which runnable task next,
 * and inject anything?"
 *
 * The runtime declares this interface and the scheduler implements it
 * (scheduler/random.c, scheduler/replay.c, ...). Every nondeterministic choice
 * of an execution goes through it, and nothing else: the runtime never calls
 * rand(), reads the wall clock or looks at pointer values for a decision. So
 * the list of answers is the whole schedule, and replaying the answers replays
 * the run.
 *
 * Invariants the runtime keeps when it asks:
 *  - pick() is only asked when two or more tasks are runnable (n >= 2), and
 *    only in the unfair prefix (steps < fair_after); after it, the runtime
 *    runs the run queue first-come-first-served without asking.
 *  - choose() is only asked with n >= 2.
 *  - the arrays passed are in run-queue order (FIFO), and stay valid only for
 *    the duration of the call.
 */
#ifndef WEFT_RUNTIME_DECIDE_H
#define WEFT_RUNTIME_DECIDE_H

#include <stddef.h>
#include <stdint.h>

/* Kinds of decision. Stored in traces: never renumber. */
enum weft__dkind {
    WEFT__D_PICK = 1,    /* which runnable task runs next (value: task id) */
    WEFT__D_TIMER = 2,   /* which of several timers due at one instant fires next */
    WEFT__D_CANCEL = 3,  /* inject a cancellation: 0 none, i: candidate scope i-1 */
    WEFT__D_TIMEOUT = 4, /* inject a timeout: 0 no, 1 yes */
    WEFT__D_INJECT = 5,  /* weft_inject() site: 0 no, 1 yes */
    WEFT__D_MAX = 5,
};

/* Kinds of pending operation at a scheduling point (what a task is about to
 * do when it next runs). Strategies use (op, obj) to tell which operations
 * conflict: two operations on the same object number conflict. */
enum weft__op {
    WEFT__OP_NONE = 0,
    WEFT__OP_START,      /* a new task's first step */
    WEFT__OP_CHECKPOINT, /* weft_checkpoint / cancel_shielded_checkpoint */
    WEFT__OP_YIELD,      /* weft_yield */
    WEFT__OP_SLEEP,      /* woken from a sleep */
    WEFT__OP_JOIN,       /* a group join */
    WEFT__OP_SPAWN,      /* resuming after spawning (start) */
    WEFT__OP_WAKE,       /* woken from any other wait */
    WEFT__OP_EVENT,      /* event wait */
    WEFT__OP_LOCK,       /* lock acquire */
    WEFT__OP_SEMAPHORE,  /* semaphore acquire */
    WEFT__OP_CONDITION,  /* condition wait */
    WEFT__OP_LIMITER,    /* limiter acquire */
    WEFT__OP_SEND,       /* stream send */
    WEFT__OP_RECV,       /* stream receive */
    WEFT__OP_IDLE,       /* wait_all_tasks_blocked */
    WEFT__OP_MEM_READ,   /* an instrumented memory read (pthread layer) */
    WEFT__OP_MEM_WRITE,  /* an instrumented memory write */
    WEFT__OP_SYNC,       /* a pthread synchronisation call */
};

/* One runnable task as the scheduler sees it. */
typedef struct weft__runnable {
    uint32_t task; /* stable per-execution id: 0 is the test's main task,
                      then tasks in spawn order */
    uint16_t op;   /* enum weft__op: what it will do next */
    uint16_t flags; /* WEFT__R_* */
    uint32_t obj;  /* per-execution object number the op touches, 0: none */
} weft__runnable;

/* weft__runnable.flags */
#define WEFT__R_CURRENT 1u /* it was running and only yielded: picking
                              another task here is a preemption */

typedef struct weft__decider weft__decider;

/* Returned by pick/choose to stop the execution (replay diverged). The
 * decider keeps the reason; weft__decider.why points to it. */
#define WEFT__DECIDE_STOP SIZE_MAX

struct weft__decider {
    /* Index into q[0..n) of the task to run next; n >= 2. */
    size_t (*pick)(weft__decider *d, const weft__runnable *q, size_t n,
                   uint64_t step);
    /* One of n >= 2 alternatives of a decision kind (enum weft__dkind). */
    size_t (*choose)(weft__decider *d, int kind, size_t n, uint64_t step);
    /* Why the decider answered WEFT__DECIDE_STOP (static or owned by d). */
    const char *why;
};

#endif /* WEFT_RUNTIME_DECIDE_H */
