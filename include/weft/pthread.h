/*
 * weft/pthread.h — POSIX threads on weft's scheduler.
 *
 * A pthread program runs under weft with each thread a weft task: the
 * scheduler decides who runs at every synchronisation call (and, with
 * memory points, at every shared memory access), the same seed gives the
 * same run, and deadlocks, assertion failures, crashes, heap misuse and
 * (optionally) data races are failures that replay from one number.
 *
 * Two ways to use it:
 *
 *  1. Unmodified programs: `weft-cc prog.c -o prog` (and weft-c++) compiles
 *     with the compiler's thread-sanitizer instrumentation, redirects the
 *     program's pthread, semaphore, sleep, exit, malloc, time and assert
 *     calls to this layer, and links a `main` that registers the program
 *     as the test "main":
 *
 *        weft-cc prog.c -o prog
 *        ./prog explore main --iterations 10000     (or just ./prog explore)
 *        ./prog replay main --seed 7
 *        weft replay 1                              (from ./weft.db)
 *
 *  2. Inside a weft test: include this header with WEFT_PTHREAD_SHIM
 *     defined (or call the weft_pthread_* functions directly) and run the
 *     program's main with weft_pthread_main:
 *
 *        #define WEFT_PTHREAD_SHIM
 *        #include <weft/pthread.h>
 *        static int prog(int argc, char **argv) { ... pthread_create ... }
 *        WEFT_TEST(prog) { weft_pthread_main(prog, 0, NULL); }
 *
 * Semantics (what a real process does, and so weft does):
 *  - main returning, or exit(n) in any thread, ends the execution at once
 *    with that status: 0 passes, anything else is a `failure`. Threads still
 *    running are abandoned, as the kernel abandons them; that is not a
 *    violation. pthread_exit in main waits for the other threads, then
 *    passes (status 0).
 *  - Every pthread/semaphore call that can block or observe another thread
 *    is a scheduling point before it acts; releases (unlock, sem_post) and
 *    pthread_create are not, since they commute with whatever other
 *    threads do before them (Lipton's left movers). Mutexes, rwlocks and
 *    semaphores let a running thread barge in before a
 *    woken waiter (glibc does), so both orders are explored. A condition
 *    signal may wake any one of the threads waiting when it was sent (the
 *    scheduler decides which), and with fault injection on, a wait may
 *    return spuriously (weft_inject site "spurious wakeup").
 *  - Timed calls and sleep/usleep/nanosleep use weft's virtual clock; time,
 *    gettimeofday and clock_gettime read it too inside an execution.
 *  - A thread blocked forever makes the execution a `deadlock` when every
 *    thread is blocked; joining a detached or unknown thread is EINVAL or
 *    ESRCH as in glibc; errorcheck mutexes return EDEADLK/EPERM.
 *  - Not modelled: cancellation (pthread_cancel returns ENOTSUP), process
 *    shared objects, named semaphores, thread-local storage (__thread
 *    variables are shared by all threads: they are one OS thread's).
 *
 * Scheduling points at memory accesses ("memory points"): code compiled with
 * -fsanitize=thread calls __tsan_read4(addr) etc. before each access; weft's
 * own implementation of those hooks (no TSan runtime is linked) makes a
 * scheduling point before each access that is not to the running thread's
 * own stack, with the address as the object the strategies see (POS: two
 * accesses to one 8-byte word conflict). weft_pthread_set_points selects
 * them; `sync` keeps only synchronisation points (and atomics), which finds
 * lock-order and signalling bugs with far fewer steps.
 */
#ifndef WEFT_PTHREAD_H
#define WEFT_PTHREAD_H

#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <weft/weft.h>

#ifdef __cplusplus
extern "C" {
#endif

/* --------------------------------------------------------- configuration */

/* Where scheduling points are (weft_pthread_set_points). */
enum weft_pthread_points {
    WEFT_PTHREAD_POINTS_SYNC = 0,   /* pthread calls and atomics only */
    WEFT_PTHREAD_POINTS_MEMORY = 1, /* also every instrumented shared access */
};

/* Set these before exploring (they change the schedule space, so a trace
 * replays only under the settings it was recorded with). A weft-cc program
 * takes them from its test name (main@sync, main@memory+races), from
 * --points sync|memory and --races, or from WEFT_POINTS / WEFT_RACES. */
void weft_pthread_set_points(int points);
int weft_pthread_points(void);
/* Happens-before race detection over the instrumented accesses: the first
 * race ends the execution as a `race` failure naming both accesses. */
void weft_pthread_set_races(bool on);
bool weft_pthread_races(void);
/* Memory points per execution before the rest of the execution runs on
 * sync points only (0: the default, 5000; also WEFT_MEMORY_POINTS). Keeps
 * long computations on shared data inside weft's step limits. */
void weft_pthread_set_memory_budget(uint64_t points);

/* Runs main(argc, argv) as the main thread of a pthread program in the
 * current weft execution: pthread_create spawns tasks into a group opened
 * here, and when main returns (or the program calls exit) the execution
 * ends with that status. Never returns. */
WEFT_NORETURN void weft_pthread_main(int (*main)(int, char **), int argc, char **argv);

/* ------------------------------------------------------------- threads */

int weft_pthread_create(pthread_t *thread, const pthread_attr_t *attr,
                        void *(*start)(void *), void *arg);
int weft_pthread_join(pthread_t thread, void **retval);
#ifdef __USE_GNU
int weft_pthread_tryjoin_np(pthread_t thread, void **retval);
int weft_pthread_timedjoin_np(pthread_t thread, void **retval,
                              const struct timespec *abstime);
#endif
int weft_pthread_detach(pthread_t thread);
WEFT_NORETURN void weft_pthread_exit(void *retval);
pthread_t weft_pthread_self(void);
int weft_pthread_equal(pthread_t a, pthread_t b);
int weft_pthread_once(pthread_once_t *once, void (*init)(void));
int weft_pthread_key_create(pthread_key_t *key, void (*destructor)(void *));
int weft_pthread_key_delete(pthread_key_t key);
void *weft_pthread_getspecific(pthread_key_t key);
int weft_pthread_setspecific(pthread_key_t key, const void *value);
int weft_pthread_cancel(pthread_t thread);            /* ENOTSUP */
int weft_pthread_kill(pthread_t thread, int sig);     /* 0: alive? else ENOTSUP */
#ifdef __USE_GNU
int weft_pthread_setname_np(pthread_t thread, const char *name);
int weft_pthread_getname_np(pthread_t thread, char *buf, size_t len);
#endif
int weft_pthread_yield(void);
int weft_sched_yield(void);

/* ------------------------------------------------------------- mutexes */

int weft_pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *attr);
int weft_pthread_mutex_destroy(pthread_mutex_t *m);
int weft_pthread_mutex_lock(pthread_mutex_t *m);
int weft_pthread_mutex_trylock(pthread_mutex_t *m);
int weft_pthread_mutex_unlock(pthread_mutex_t *m);
int weft_pthread_mutex_consistent(pthread_mutex_t *m);

/* The rest needs POSIX 2001 declarations (_POSIX_C_SOURCE >= 200112L,
 * or _GNU_SOURCE; a strict -std=c11 has none of them). */
#ifdef __USE_XOPEN2K
int weft_pthread_mutex_timedlock(pthread_mutex_t *m, const struct timespec *abstime);
int weft_pthread_mutex_clocklock(pthread_mutex_t *m, clockid_t clock,
                                 const struct timespec *abstime);

int weft_pthread_spin_init(pthread_spinlock_t *s, int pshared);
int weft_pthread_spin_destroy(pthread_spinlock_t *s);
int weft_pthread_spin_lock(pthread_spinlock_t *s);
int weft_pthread_spin_trylock(pthread_spinlock_t *s);
int weft_pthread_spin_unlock(pthread_spinlock_t *s);

int weft_pthread_rwlock_init(pthread_rwlock_t *rw, const pthread_rwlockattr_t *attr);
int weft_pthread_rwlock_destroy(pthread_rwlock_t *rw);
int weft_pthread_rwlock_rdlock(pthread_rwlock_t *rw);
int weft_pthread_rwlock_tryrdlock(pthread_rwlock_t *rw);
int weft_pthread_rwlock_timedrdlock(pthread_rwlock_t *rw, const struct timespec *abstime);
int weft_pthread_rwlock_clockrdlock(pthread_rwlock_t *rw, clockid_t clock,
                                    const struct timespec *abstime);
int weft_pthread_rwlock_wrlock(pthread_rwlock_t *rw);
int weft_pthread_rwlock_trywrlock(pthread_rwlock_t *rw);
int weft_pthread_rwlock_timedwrlock(pthread_rwlock_t *rw, const struct timespec *abstime);
int weft_pthread_rwlock_clockwrlock(pthread_rwlock_t *rw, clockid_t clock,
                                    const struct timespec *abstime);
int weft_pthread_rwlock_unlock(pthread_rwlock_t *rw);

/* ------------------------------------------------------ condition, etc. */

int weft_pthread_cond_init(pthread_cond_t *c, const pthread_condattr_t *attr);
int weft_pthread_cond_destroy(pthread_cond_t *c);
int weft_pthread_cond_signal(pthread_cond_t *c);
int weft_pthread_cond_broadcast(pthread_cond_t *c);
int weft_pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m);
int weft_pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m,
                                const struct timespec *abstime);
int weft_pthread_cond_clockwait(pthread_cond_t *c, pthread_mutex_t *m, clockid_t clock,
                                const struct timespec *abstime);
#endif /* __USE_XOPEN2K */

#ifdef __USE_XOPEN2K
int weft_pthread_barrier_init(pthread_barrier_t *b, const pthread_barrierattr_t *attr,
                              unsigned count);
int weft_pthread_barrier_destroy(pthread_barrier_t *b);
int weft_pthread_barrier_wait(pthread_barrier_t *b);
#endif

/* POSIX semaphores: -1 and errno on failure, as sem_* do. */
int weft_sem_init(sem_t *s, int pshared, unsigned value);
int weft_sem_destroy(sem_t *s);
int weft_sem_wait(sem_t *s);
int weft_sem_trywait(sem_t *s);
#ifdef __USE_XOPEN2K
int weft_sem_timedwait(sem_t *s, const struct timespec *abstime);
int weft_sem_clockwait(sem_t *s, clockid_t clock, const struct timespec *abstime);
#endif
int weft_sem_post(sem_t *s);
int weft_sem_getvalue(sem_t *s, int *value);

/* ------------------------------------------------ time and the process */

unsigned weft_pthread_sleep(unsigned seconds);
#if defined(__USE_XOPEN2K)
int weft_pthread_usleep(unsigned usec);
int weft_pthread_nanosleep(const struct timespec *req, struct timespec *rem);
int weft_pthread_clock_nanosleep(clockid_t clock, int flags, const struct timespec *req,
                                 struct timespec *rem);
int weft_pthread_clock_gettime(clockid_t clock, struct timespec *ts);
#endif
time_t weft_pthread_time(time_t *t);
/* Ends the execution with status (0: passed). Runs the handlers the program
 * registered with atexit in this execution first. */
WEFT_NORETURN void weft_pthread_process_exit(int status);
WEFT_NORETURN void weft_pthread_process__exit(int status);
int weft_pthread_atexit(void (*fn)(void));

/* -------------------------------------------------------------- the shim */

#if defined(WEFT_PTHREAD_SHIM) && !defined(WEFT_PTHREAD_NO_SHIM_MACROS)
#define pthread_create weft_pthread_create
#define pthread_join weft_pthread_join
#define pthread_tryjoin_np weft_pthread_tryjoin_np
#define pthread_timedjoin_np weft_pthread_timedjoin_np
#define pthread_detach weft_pthread_detach
#define pthread_exit weft_pthread_exit
#define pthread_self weft_pthread_self
#define pthread_equal weft_pthread_equal
#define pthread_once weft_pthread_once
#define pthread_key_create weft_pthread_key_create
#define pthread_key_delete weft_pthread_key_delete
#define pthread_getspecific weft_pthread_getspecific
#define pthread_setspecific weft_pthread_setspecific
#define pthread_cancel weft_pthread_cancel
#define pthread_kill weft_pthread_kill
#define pthread_setname_np weft_pthread_setname_np
#define pthread_getname_np weft_pthread_getname_np
#define pthread_yield weft_pthread_yield
#define sched_yield weft_sched_yield
#define pthread_mutex_init weft_pthread_mutex_init
#define pthread_mutex_destroy weft_pthread_mutex_destroy
#define pthread_mutex_lock weft_pthread_mutex_lock
#define pthread_mutex_trylock weft_pthread_mutex_trylock
#define pthread_mutex_timedlock weft_pthread_mutex_timedlock
#define pthread_mutex_clocklock weft_pthread_mutex_clocklock
#define pthread_mutex_unlock weft_pthread_mutex_unlock
#define pthread_mutex_consistent weft_pthread_mutex_consistent
#define pthread_spin_init weft_pthread_spin_init
#define pthread_spin_destroy weft_pthread_spin_destroy
#define pthread_spin_lock weft_pthread_spin_lock
#define pthread_spin_trylock weft_pthread_spin_trylock
#define pthread_spin_unlock weft_pthread_spin_unlock
#define pthread_rwlock_init weft_pthread_rwlock_init
#define pthread_rwlock_destroy weft_pthread_rwlock_destroy
#define pthread_rwlock_rdlock weft_pthread_rwlock_rdlock
#define pthread_rwlock_tryrdlock weft_pthread_rwlock_tryrdlock
#define pthread_rwlock_timedrdlock weft_pthread_rwlock_timedrdlock
#define pthread_rwlock_clockrdlock weft_pthread_rwlock_clockrdlock
#define pthread_rwlock_wrlock weft_pthread_rwlock_wrlock
#define pthread_rwlock_trywrlock weft_pthread_rwlock_trywrlock
#define pthread_rwlock_timedwrlock weft_pthread_rwlock_timedwrlock
#define pthread_rwlock_clockwrlock weft_pthread_rwlock_clockwrlock
#define pthread_rwlock_unlock weft_pthread_rwlock_unlock
#define pthread_cond_init weft_pthread_cond_init
#define pthread_cond_destroy weft_pthread_cond_destroy
#define pthread_cond_signal weft_pthread_cond_signal
#define pthread_cond_broadcast weft_pthread_cond_broadcast
#define pthread_cond_wait weft_pthread_cond_wait
#define pthread_cond_timedwait weft_pthread_cond_timedwait
#define pthread_cond_clockwait weft_pthread_cond_clockwait
#define pthread_barrier_init weft_pthread_barrier_init
#define pthread_barrier_destroy weft_pthread_barrier_destroy
#define pthread_barrier_wait weft_pthread_barrier_wait
#define sem_init weft_sem_init
#define sem_destroy weft_sem_destroy
#define sem_wait weft_sem_wait
#define sem_trywait weft_sem_trywait
#define sem_timedwait weft_sem_timedwait
#define sem_clockwait weft_sem_clockwait
#define sem_post weft_sem_post
#define sem_getvalue weft_sem_getvalue
#define sleep weft_pthread_sleep
#define usleep weft_pthread_usleep
#define nanosleep weft_pthread_nanosleep
#define clock_nanosleep weft_pthread_clock_nanosleep
#define clock_gettime weft_pthread_clock_gettime
#define time weft_pthread_time
#define exit weft_pthread_process_exit
#define _exit weft_pthread_process__exit
#define atexit weft_pthread_atexit
#endif

#ifdef __cplusplus
}
#endif
#endif /* WEFT_PTHREAD_H */
