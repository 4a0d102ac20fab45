/*
 * rt.h — the runtime's insides, shared by the files of runtime/.
 *
 * One execution runs at a time per OS thread, described by the thread's
 * weft__rt. Tasks are fibers that switch only inside the runtime, at
 * scheduling points; the running task picks its successor itself (through
 * the decider) and switches to it directly, so a scheduling point costs one
 * context switch, or none when the same task goes on.
 *
 * Invariants:
 *  - exactly one task is RUNNING while an execution is under way, and it is
 *    rt->cur; RUNNABLE tasks are exactly those in the run queue;
 *  - a BLOCKED task is on at most one wait queue and has at most one timer;
 *  - every scope whose deadline is <= now has cancel_called set (timers fire
 *    when the clock reaches them, and opening or moving a deadline into the
 *    past cancels at once);
 *  - nothing here reads the wall clock, a random source or a pointer value to
 *    make a decision: every choice goes through rt->decider.
 * Everything an execution allocates comes from rt->arena or rt->stacks and is
 * released wholesale when the execution ends.
 */
#ifndef WEFT_RUNTIME_RT_H
#define WEFT_RUNTIME_RT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <weft/weft.h>

#include "arena.h"
#include "clock.h"
#include "decide.h"
#include "exec.h"
#include "fiber.h"
#include "stack.h"

/* An assert that stays on in release builds: scheduler and runtime
 * invariants must never fail silently (determinism bugs). */
#define WEFT__CHECK(cond)                                                     \
    ((cond) ? (void)0 : weft__panic(__FILE__, __LINE__, #cond))
WEFT_NORETURN void weft__panic(const char *file, int line, const char *what);

typedef struct weft__task weft__task;
typedef struct weft__rt weft__rt;

enum weft__task_state {
    WEFT__T_RUNNABLE = 1,
    WEFT__T_RUNNING,
    WEFT__T_BLOCKED,
    WEFT__T_DONE,
};

/* What a blocked task waits for; the describe hook writes one line for a
 * deadlock report ("weft_lock_acquire on lock #3 held by task 2 'b'"). */
typedef struct weft__wait_ops {
    const char *call; /* the API call that blocked: "weft_group_join" */
    void (*describe)(const weft__task *t, char *buf, size_t len);
    /* Removes t from the waited object's queue (cancellation). May be NULL
     * for waits that nothing but a timer or the runtime wakes. */
    void (*abort)(weft__task *t);
} weft__wait_ops;

struct weft_scope {
    uint32_t obj;              /* per-execution object number */
    weft_scope *parent;        /* enclosing scope (maybe another task's) */
    weft__task *owner;         /* task that opened it */
    weft_group *group;         /* set: this is that group's scope */
    weft__timer timer;         /* deadline timer (armed when finite) */
    weft_time deadline;
    bool shield;
    bool cancel_called;
    bool caught;               /* it caught a cancellation when it closed */
    bool closed;
    bool is_root;              /* a task's invisible root scope */
    const char *file;          /* where it was opened */
    int line;
};

/* Intrusive FIFO of blocked tasks (primitives' waiter lists). */
typedef struct weft__waitq {
    weft__task *head, *tail;
    size_t n;
} weft__waitq;

struct weft__task {
    uint32_t id;               /* 0: the test's main task, then spawn order */
    uint8_t state;             /* enum weft__task_state */
    bool started_called;       /* weft_started was called (weft_start child) */
    bool cancellable;          /* current wait is aborted by cancellation */
    bool cancel_inflight;      /* a WEFT_CANCELLED was delivered and no
                                  scope has caught it yet */
    const char *name;
    weft__fiber fiber;
    weft__stack stack;
    weft_task_fn fn;
    void *arg;
    int result;
    weft_group *group;         /* group it is a child of; NULL: main task */
    weft_scope root;           /* invisible scope all its own scopes nest in */
    weft_scope *scope;         /* innermost active scope */
    weft__task *starter;       /* task blocked in weft_start for it */
    void *started_value;
    /* blocking */
    const weft__wait_ops *wait;
    const void *wait_on;       /* the object waited on */
    uint32_t wait_obj;
    int wake_status;           /* handed over by the waker */
    const char *wait_file;     /* the blocking call's location */
    int wait_line;
    weft__task *wq_next, *wq_prev;
    weft__waitq *wq;           /* the queue it is on */
    weft__timer sleep_timer;
    void *xfer;                /* stream item handed over while blocked */
    const void *wait_arg;      /* limiter borrower while waiting */
    /* last API call's location (for misuse reports) */
    const char *loc_file;
    int loc_line;
    /* what it does next, for the scheduler */
    uint16_t next_op;
    uint32_t next_obj;
};

struct weft_group {
    uint32_t obj;
    weft__task *host;
    weft_scope scope;          /* the group's own cancel scope */
    uint32_t live;             /* children not yet finished */
    bool joining;
    bool joined;
    int *failures;             /* codes of failed children, in order */
    size_t n_failures, cap_failures;
    const char *file;          /* where it was opened */
    int line;
};

/* The run queue: runnable tasks in FIFO order, as the decider sees them. */
typedef struct weft__runq {
    weft__runnable *q;
    size_t n, cap;
} weft__runq;

struct weft__rt {
    bool active;               /* an execution is under way */
    weft__fiber main_fiber;    /* the harness's own stack */
    weft__task *cur;
    weft__task **tasks;        /* by id */
    size_t n_tasks, cap_tasks;
    size_t live_tasks;
    weft__runq rq;
    weft__timers timers;
    weft_time now;
    uint64_t step;
    uint32_t next_obj;
    weft__task *zombie;        /* finished task whose stack awaits release */
    weft__waitq idle_waiters;  /* weft_wait_all_tasks_blocked */
    weft__exec_params p;
    weft__outcome *out;
    weft__arena arena;
    weft__stack_pool stacks;
    size_t pool_stack_size;
    bool pool_ready;
    uint8_t cancel_cause;      /* enum weft__cause of the cancel under way */
    bool in_clock;             /* timers are firing: wakes come from the clock */
};

extern _Thread_local weft__rt *weft__cur_rt;

/* ---- exec.c: execution lifecycle */
/* Ends the running execution now with a failure; never returns. */
WEFT_NORETURN void weft__exec_fail(int kind, const char *file, int line,
                                   const char *fmt, ...) WEFT_PRINTF(4, 5);
WEFT_NORETURN void weft__exec_failv(int kind, const char *file, int line,
                                    const char *fmt, va_list ap);
/* The main task returned rc: ends the execution (passed, or a failure
 * when rc is neither WEFT_OK nor WEFT_CANCELLED). Never returns. */
WEFT_NORETURN void weft__exec_main_done(weft__rt *rt, int rc);
/* Misuse by the running task at its last recorded API location. */
WEFT_NORETURN void weft__misuse(const char *fmt, ...) WEFT_PRINTF(1, 2);
/* The current runtime, or misuse-free NULL outside an execution. */
static inline weft__rt *weft__rt_get(void)
{
    weft__rt *rt = weft__cur_rt;
    return rt && rt->active ? rt : NULL;
}
/* The running execution; outside one, prints why fn cannot run there and
 * aborts (a weft call outside the harness is a bug in the caller). */
weft__rt *weft__need_rt(const char *fn);
/* Text for "task 3 'name'". */
void weft__task_label(const weft__task *t, char *buf, size_t len);

/* ---- sched.c: run queue, switching, blocking */
void weft__make_runnable(weft__rt *rt, weft__task *t, uint16_t op,
                         uint32_t obj);
/* A scheduling point: the current task (still runnable) goes behind the
 * other runnable tasks, and the decider picks who runs. */
void weft__schedule_point(weft__rt *rt, uint16_t op, uint32_t obj);
/* Blocks the current task on ops/on until weft__wake. With cancellable, a
 * cancellation of an enclosing scope aborts the wait (ops->abort is called)
 * and the result is WEFT_CANCELLED. Returns the waker's status. */
int weft__block(weft__rt *rt, const weft__wait_ops *ops, const void *on,
                uint32_t obj, bool cancellable);
/* Wakes blocked task t with status. */
void weft__wake(weft__rt *rt, weft__task *t, int status, uint16_t op);
/* Asks the decider for one of n alternatives (kind: enum weft__dkind);
 * 0 without asking when n < 2. */
size_t weft__choose(weft__rt *rt, int kind, size_t n);
/* Housekeeping every fiber does first when it (re)gains the CPU. */
void weft__after_switch(weft__rt *rt);
/* Switches away from the current task, which must not be runnable. */
void weft__switch_away(weft__rt *rt);
/* Final switch of a finished task. */
WEFT_NORETURN void weft__exit_task(weft__rt *rt);

void weft__waitq_push(weft__waitq *q, weft__task *t);
void weft__waitq_remove(weft__waitq *q, weft__task *t);
weft__task *weft__waitq_pop(weft__waitq *q);

/* ---- scope.c */
void weft__scope_init(weft__rt *rt, weft_scope *s, weft_scope *parent,
                      weft__task *owner, weft_time deadline, bool shield);
/* Cancels s (idempotent) and wakes the tasks blocked inside it. */
void weft__scope_cancel(weft__rt *rt, weft_scope *s);
/* Wakes every blocked task, in cancellable wait, that a cancellation now
 * reaches (after a cancel, or after unshielding). */
void weft__wake_cancelled(weft__rt *rt);
/* After a wait was aborted by cancellation: marks the catcher, returns
 * WEFT_CANCELLED. */
int weft__deliver(weft__rt *rt, weft__task *t);
/* The scope that would catch a cancellation delivered to task t now, or
 * NULL when t is not cancelled. */
weft_scope *weft__cancel_catcher(const weft__task *t);
/* The cancellation point: WEFT_CANCELLED (the cancellation is then in
 * flight in t) or WEFT_OK. */
int weft__cancel_point(weft__rt *rt, weft__task *t);
/* With cancel injection on: asks the decider whether the outside world
 * cancels one of the scopes around t's cancellation point now. */
void weft__maybe_inject_cancel(weft__rt *rt, weft__task *t);
/* Closing s catches t's in-flight cancellation when s is cancelled and no
 * cancellation outside it is visible. Returns whether it caught. */
bool weft__scope_catch(weft__task *t, weft_scope *s);
/* Deadline timer fired. */
void weft__scope_deadline_fired(weft__rt *rt, weft__timer *tm);

/* ---- task.c */
/* A new task running fn(arg) with parent as its root scope's parent; made
 * runnable. Ends the execution when out of memory. */
weft__task *weft__task_new(weft__rt *rt, weft_task_fn fn, void *arg,
                           const char *name, weft_group *g, weft_scope *parent);

/* ---- group.c */
/* A child task finished with rc: group bookkeeping. */
void weft__group_child_done(weft__rt *rt, weft__task *t);

/* ---- sync.c: shared by the primitives */
/* Trio's checkpoint_if_cancelled for blocking calls: when cancelled, a
 * scheduling point then WEFT_CANCELLED; otherwise WEFT_OK at once. */
int weft__pre_checkpoint(weft__rt *rt, uint16_t op, uint32_t obj);
/* A new object number. */
static inline uint32_t weft__new_obj(weft__rt *rt)
{
    return rt->next_obj++;
}
/* Zeroed execution-owned memory; ends the execution when out of memory. */
void *weft__alloc(weft__rt *rt, size_t size);

/* ---- checkpoint.c */
void weft__sleep_timer_fired(weft__rt *rt, weft__timer *tm);
/* Wakes weft_wait_all_tasks_blocked waiters when every other task is
 * blocked; returns true when one was woken. */
bool weft__wake_idle_waiters(weft__rt *rt);

/* ---- observe.c: events for an observer (reports); one branch when off */
void weft__emit_slow(weft__rt *rt, weft__event *ev);
#define WEFT__EMIT(rt, ...)                                                   \
    do {                                                                      \
        if (__builtin_expect((rt)->p.observe != NULL, 0)) {                   \
            weft__event ev_ = {__VA_ARGS__};                                  \
            weft__emit_slow((rt), &ev_);                                      \
        }                                                                     \
    } while (0)

#define WEFT__CONTAINER_OF(ptr, type, member)                                 \
    ((type *)((char *)(ptr) - offsetof(type, member)))

#endif /* WEFT_RUNTIME_RT_H */
