/*
 * posix.h — the insides of weft's pthread layer, shared by runtime/posix/.
 *
 * The layer lives inside the runtime (it includes rt.h) because it blocks
 * tasks on its own wait queues with weft__block and never goes through a
 * cancellable call: a pthread program knows nothing of cancel scopes, so no
 * injected cancellation may ever reach it.
 *
 * Per-execution state (threads, keys, object tables) is allocated from the
 * execution's arena and found through wp_state(), which resets it lazily
 * when weft__exec_serial() changes: nothing of one execution is ever seen by
 * the next. The pthread objects of the program (pthread_mutex_t, ...) hold a
 * (magic ^ serial, pointer) pair in bytes that glibc's static initialisers
 * leave zero, so a stale pointer from an earlier execution is never used.
 *
 * Files: core.c (state, threads table, blocking, locations), thread.c
 * (create/join/exit/once/keys), mutex.c (mutex, spinlock, rwlock), cond.c
 * (condition, barrier, semaphore), process.c (exit, time, sleep, assert,
 * rand), heap.c (the program's heap), tsan.c (the __tsan_* hooks),
 * race.c (happens-before), symbol.c (pc -> file:line), program.c (the main
 * of a weft-cc program).
 */
#ifndef WEFT_RUNTIME_POSIX_POSIX_H
#define WEFT_RUNTIME_POSIX_POSIX_H

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <weft/pthread.h>

#include "../rt.h"

/* The caller's return address: the program's call site. */
#define WP_PC() ((uintptr_t)__builtin_return_address(0))

typedef struct wp_vc {
    uint32_t *c;           /* clock per thread index; beyond n: 0 */
    uint32_t n;            /* entries in use (at most the threads so far) */
    uint32_t cap;          /* entries allocated */
} wp_vc;

typedef struct wp_thread wp_thread;

/* A lock's common part (mutex, spinlock, rwlock, cxa guard). */
typedef struct wp_mutex {
    uint32_t obj;          /* per-execution object number */
    int kind;              /* PTHREAD_MUTEX_NORMAL/RECURSIVE/ERRORCHECK */
    wp_thread *owner;
    unsigned count;        /* recursive depth */
    weft__waitq waiters;
    uintptr_t created_pc;  /* init or first use */
    const char *what;      /* "mutex", "spinlock" */
    wp_vc vc;              /* release clock (races) */
} wp_mutex;

struct wp_thread {
    uint32_t index;        /* dense per execution; 0 is main; pthread_t - 1 */
    weft__task *task;
    const char *name;      /* start routine's name, or "main" */
    void *(*start)(void *);
    void *arg;
    void *retval;
    bool exited;
    bool detached;
    bool joined;
    bool adopted;          /* a plain weft task that called the layer */
    weft__waitq joiners;
    jmp_buf exit_jb;       /* pthread_exit */
    void **tsd;            /* key values, by key index */
    uint32_t n_tsd;
    /* blocking */
    const void *wait_obj;  /* what it waits on, while blocked */
    uintptr_t wait_pc;
    /* condition wait */
    uint64_t cond_epoch;
    /* races */
    wp_vc vc;
    uintptr_t created_pc;
};

/* Side objects keyed by an address (spinlocks, once controls). */
typedef struct wp_side {
    uintptr_t key;
    uint64_t gen;
    void *obj;
} wp_side;

typedef struct wp_atexit {
    void (*fn)(void *);
    void *arg;
    bool with_arg;
} wp_atexit;

typedef struct wp_key {
    bool used;
    void (*destructor)(void *);
} wp_key;

/* Everything one execution of a pthread program owns. */
typedef struct wp_exec {
    uint64_t serial;       /* weft__exec_serial() it belongs to */
    weft__rt *rt;
    weft_group *group;     /* where pthread_create spawns (weft_pthread_main) */
    wp_thread **threads;   /* by index */
    uint32_t n_threads, cap_threads;
    wp_thread **by_task;   /* by weft task id */
    uint32_t cap_by_task;
    uint32_t live;         /* created threads not yet exited (not main) */
    weft__waitq exit_waiters;
    wp_key *keys;          /* by key index - 1 */
    uint32_t n_keys, cap_keys;
    wp_atexit *atexits;
    uint32_t n_atexit, cap_atexit;
    uint64_t rand_state;
    uint64_t mem_points;   /* memory points made so far */
    uint32_t next_mem_obj; /* dense numbers for addresses */
    bool exiting;          /* process exit under way (atexit handlers) */
} wp_exec;

/* ---- configuration (core.c) */
extern int wp_cfg_points;          /* enum weft_pthread_points */
extern bool wp_cfg_races;
extern uint64_t wp_cfg_mem_budget;
#define WP_QUIET_LIMIT 1000u       /* accesses without a point before a yield */
extern _Thread_local uint32_t wp_quiet; /* accesses since the last point (tsan.c) */
#define WP_MEM_OBJ_BASE 0x40000000u

/* ---- core.c */
/* The running execution's state (reset lazily); NULL outside one. */
wp_exec *wp_exec_get(void);
/* Same, when the caller knows an execution is running. */
wp_exec *wp_exec_need(const char *fn);
/* The calling task's thread record (adopts plain weft tasks). */
wp_thread *wp_self(wp_exec *x);
/* The thread record of task t, or NULL. */
wp_thread *wp_thread_of_task(wp_exec *x, const weft__task *t);
/* A new thread record with the next index (no task yet). */
wp_thread *wp_thread_new(wp_exec *x);
void wp_task_map(wp_exec *x, weft__task *t, wp_thread *th);
/* A scheduling point before a pthread call on obj; errno is kept. */
void wp_point(wp_exec *x, wp_thread *me, uint16_t op, uint32_t obj);
/* Blocks me on q (may be NULL) until wp_wake (returns 1) or until the
 * virtual clock reaches deadline (returns 0; WEFT_FOREVER: never). ops
 * names the call and describes obj for deadlock reports; it must not abort
 * (pthread waits are never cancelled). */
int wp_block(wp_exec *x, wp_thread *me, weft__waitq *q, const weft__wait_ops *ops,
             const void *obj, uint32_t objnum, weft_time deadline, uintptr_t pc);
/* The thread blocked as task t (for describe hooks). */
wp_thread *wp_blocked_thread(const weft__task *t);
/* Wakes a task blocked in wp_block. */
void wp_wake(wp_exec *x, weft__task *t, uint16_t op);
/* Wakes every task on q. */
void wp_wake_all(wp_exec *x, weft__waitq *q, uint16_t op);
/* Label "task 2 'worker'" of a thread. */
void wp_label(const wp_thread *th, char *buf, size_t len);
/* Ends the execution: misuse of the pthread API at pc. */
WEFT_NORETURN void wp_misuse(uintptr_t pc, const char *fmt, ...) WEFT_PRINTF(2, 3);
/* Ends the execution with kind at pc. */
WEFT_NORETURN void wp_fail(int kind, uintptr_t pc, const char *fmt, ...) WEFT_PRINTF(3, 4);
/* Virtual deadline for an absolute timespec on clock; WEFT_FOREVER for
 * NULL. Returns -1 for an invalid timespec (EINVAL). */
int wp_deadline(clockid_t clock, const struct timespec *abs, weft_time *out);
/* The side object for address key (NULL when none in this execution). */
void *wp_side_get(wp_exec *x, const volatile void *key);
void wp_side_put(wp_exec *x, const volatile void *key, void *obj);
/* Per-execution number of the 8-byte word holding a (assigned on first
 * use); wp_addr_lookup only finds an existing one. */
uint32_t wp_addr_obj(wp_exec *x, uintptr_t a);
bool wp_addr_lookup(wp_exec *x, uintptr_t a, uint32_t *obj);

extern uintptr_t wp_heap_lo, wp_heap_hi;
void wp_heap_check(uintptr_t a, size_t n, bool write, uintptr_t pc);

/* A pthread call's own access to n bytes at p (its pthread_mutex_t, ...):
 * checked against the program heap as an instrumented access would be. */
static inline void wp_check_mem(const volatile void *p, size_t n, uintptr_t pc)
{
    uintptr_t a = (uintptr_t)p;
    if (a - wp_heap_lo < wp_heap_hi - wp_heap_lo)
        wp_heap_check(a, n, true, pc);
}

/* ---- lazily created objects behind pthread storage */
/* Returns the object stored at slot (16 bytes inside a pthread object)
 * for this execution, or NULL. */
void *wp_slot_get(const void *slot);
void wp_slot_set(void *slot, void *obj);

/* ---- mutex.c (used by cond.c and thread.c) */
wp_mutex *wp_mutex_of(wp_exec *x, pthread_mutex_t *m, uintptr_t pc);
/* Acquires m for me (blocking; no scheduling point first). Returns 0,
 * EDEADLK (errorcheck) or ETIMEDOUT (deadline). */
int wp_mutex_acquire(wp_exec *x, wp_thread *me, wp_mutex *m, weft_time deadline,
                     uintptr_t pc);
/* Releases m held by me (returns EPERM when not held and not allowed). */
int wp_mutex_release(wp_exec *x, wp_thread *me, wp_mutex *m, uintptr_t pc);

/* ---- thread.c */
/* The end of a thread (its start routine returned or it called
 * pthread_exit): key destructors, joiners woken. */
void wp_thread_finish(wp_exec *x, wp_thread *th);

/* ---- process.c */
WEFT_NORETURN void wp_process_exit(wp_exec *x, int status, bool run_atexit, uintptr_t pc);
/* Resets the program's own state (data, heap) for a new execution. */
void wp_program_reset(void);

/* ---- crash.c */
/* Installs the handler that turns a fault in the program's code into a
 * `crash` failure of the execution (weft-cc programs only). */
void wp_crash_handlers(void);

/* ---- files.c */
/* Closes the files the previous execution left open. */
void wp_files_reset(void);

/* ---- output.c */
/* Sends the program's stdout/stderr to /dev/null (true) or to weft's. */
void wp_output_quiet(bool quiet);

/* ---- heap.c */
/* Checks an instrumented access of n bytes at a against the program heap
 * (use after free, overflow); ends the execution on an error. */
void wp_heap_check(uintptr_t a, size_t n, bool write, uintptr_t pc);
extern uintptr_t wp_heap_lo, wp_heap_hi;   /* the execution heap's range */
/* Describes address a for a report ("heap block of 24 bytes ..."). */
void wp_heap_describe(uintptr_t a, char *buf, size_t len);
void wp_heap_reset(void);
void wp_heap_snapshot_restore(void);

/* ---- race.c */
void wp_race_access(wp_exec *x, wp_thread *me, uintptr_t a, size_t n, bool write,
                    bool atomic, uintptr_t pc);
void wp_vc_acquire(wp_exec *x, wp_thread *me, const wp_vc *from);
void wp_vc_release(wp_exec *x, wp_thread *me, wp_vc *to);   /* to = max(to, me) */
void wp_vc_tick(wp_thread *me);
void wp_vc_copy(wp_exec *x, wp_vc *to, const wp_vc *from);
void wp_race_forget(wp_exec *x, uintptr_t a, size_t n);     /* memory reused */

/* ---- symbol.c */
typedef struct wp_loc {
    const char *file;      /* interned; NULL when unknown */
    int line;
    const char *func;      /* interned; NULL when unknown */
} wp_loc;
/* Where the call at return address pc is (process-wide cache). */
wp_loc wp_symbolize(uintptr_t pc);
/* "file:line" (or "function" or "prog+0x1f") for pc, into buf. */
const char *wp_where(uintptr_t pc, char *buf, size_t len);
/* The name of the function at fn, or NULL. */
const char *wp_func_name(const void *fn);
/* The name of the global variable holding a ("counter+4"), or NULL. */
const char *wp_data_name(uintptr_t a, char *buf, size_t len);
/* Sets the running task's location (for weft's reports) to pc's. */
void wp_set_location(uintptr_t pc);

#endif /* WEFT_RUNTIME_POSIX_POSIX_H */
