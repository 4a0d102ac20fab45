/*
 * test_pthread.c — POSIX threads on weft's scheduler (include/weft/pthread.h,
 * runtime/posix/).
 *
 * Each test is an ordinary pthread program, written against <pthread.h>
 * through the shim macros (pthread_create is weft_pthread_create, ...), run
 * as the main thread of a weft execution with weft_pthread_main under many
 * seeds. Properties that must hold in every schedule are checked from inside
 * with WEFT_ASSERT; bugs (ABBA deadlock, lost update, data race, a wait
 * without a predicate loop) must be found by some schedule. The programs
 * run many times per process, so each resets its globals first.
 *
 * Memory-level scheduling points need code compiled with -fsanitize=thread;
 * this file is not, so the lost-update and race programs call the hooks the
 * compiler would emit (__tsan_read4 / __tsan_write4) themselves.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>

#include "testutil.h"

#define WEFT_PTHREAD_SHIM
#include <weft/pthread.h>

void __tsan_read4(void *addr);
void __tsan_write4(void *addr);
void *weft__posix_malloc(size_t n);
void weft__posix_free(void *p);

/* A WEFT_TEST-style task running prog as a pthread program. */
#define PROGRAM(name)                                                         \
    static int name##_main(int argc, char **argv);                            \
    static int name(void *arg)                                                \
    {                                                                         \
        (void)arg;                                                            \
        weft_pthread_main(name##_main, 0, NULL);                              \
    }                                                                         \
    static int name##_main(__attribute__((unused)) int argc,                  \
                           __attribute__((unused)) char **argv)

#define ARG(i) ((void *)(intptr_t)(i))
#define ID(p) ((int)(intptr_t)(p))

static void defaults(void)
{
    weft_pthread_set_points(WEFT_PTHREAD_POINTS_MEMORY);
    weft_pthread_set_races(false);
}

/* fn passes under n seeds with injection at rate inject. */
static bool passes_injected(weft_task_fn fn, uint64_t n, double inject)
{
    weft_options o = WEFT_OPTIONS_INIT;
    o.iterations = n;
    o.quiet = true;
    o.inject_rate = inject;
    weft_report r;
    int rc = weft_check("t", fn, NULL, &o, &r);
    if (rc != 0 && r.n_failures)
        fprintf(stderr, "\n  %s\n", r.failures[0].message);
    weft_report_free(&r);
    return rc == 0;
}

/* --------------------------------------------------------------- mutexes */

static pthread_mutex_t mx = PTHREAD_MUTEX_INITIALIZER;
static int counter, inside;

static void *bump(void *arg)
{
    for (int i = 0; i < 3; i++) {
        WEFT_ASSERT(pthread_mutex_lock(&mx) == 0);
        inside++;
        WEFT_ASSERT_MSG(inside == 1, "%d threads inside the critical section", inside);
        int v = counter;
        sched_yield(); /* another thread may run here, but not enter */
        counter = v + 1;
        inside--;
        WEFT_ASSERT(pthread_mutex_unlock(&mx) == 0);
    }
    return arg;
}

PROGRAM(prog_mutex_exclusion)
{
    counter = inside = 0;
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
        WEFT_ASSERT(pthread_create(&t[i], NULL, bump, ARG(i)) == 0);
    for (int i = 0; i < 3; i++) {
        void *ret;
        WEFT_ASSERT(pthread_join(t[i], &ret) == 0);
        WEFT_ASSERT(ID(ret) == i);
    }
    WEFT_ASSERT_MSG(counter == 9, "counter %d", counter);
    return 0;
}

static void test_pthread_mutex_exclusion(void)
{
    defaults();
    EXPECT_PASS(prog_mutex_exclusion, NULL);
}

/* A static mutex left locked by one execution is unlocked in the next:
 * objects never outlive their execution. */
static pthread_mutex_t leaked = PTHREAD_MUTEX_INITIALIZER;

PROGRAM(prog_mutex_left_locked)
{
    WEFT_ASSERT(pthread_mutex_trylock(&leaked) == 0);
    return 0; /* still locked when the process ends */
}

static void test_pthread_mutex_static_state_is_per_execution(void)
{
    defaults();
    EXPECT_PASS(prog_mutex_left_locked, NULL);
}

static pthread_mutex_t rec = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
static int rec_seen;

static void *try_rec(void *arg)
{
    int rc = pthread_mutex_trylock(&rec);
    if (rc == 0) {
        WEFT_ASSERT(rec_seen == 0 || rec_seen == 2);
        pthread_mutex_unlock(&rec);
    } else {
        WEFT_ASSERT(rc == EBUSY);
    }
    return arg;
}

PROGRAM(prog_mutex_recursive)
{
    rec_seen = 0;
    pthread_t t;
    pthread_create(&t, NULL, try_rec, NULL);
    WEFT_ASSERT(pthread_mutex_lock(&rec) == 0);
    rec_seen = 1;
    WEFT_ASSERT(pthread_mutex_lock(&rec) == 0);
    WEFT_ASSERT(pthread_mutex_unlock(&rec) == 0);
    sched_yield(); /* still held once: the other thread cannot get it */
    WEFT_ASSERT(pthread_mutex_unlock(&rec) == 0);
    rec_seen = 2;
    pthread_join(t, NULL);
    WEFT_ASSERT(pthread_mutex_unlock(&rec) == EPERM);
    return 0;
}

static void test_pthread_mutex_recursive(void)
{
    defaults();
    EXPECT_PASS(prog_mutex_recursive, NULL);
}

static pthread_mutex_t ec;

static void *unlock_foreign(void *arg)
{
    WEFT_ASSERT(pthread_mutex_unlock(&ec) == EPERM);
    return arg;
}

PROGRAM(prog_mutex_errorcheck)
{
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
    WEFT_ASSERT(pthread_mutex_init(&ec, &a) == 0);
    WEFT_ASSERT(pthread_mutex_unlock(&ec) == EPERM);
    WEFT_ASSERT(pthread_mutex_lock(&ec) == 0);
    WEFT_ASSERT(pthread_mutex_lock(&ec) == EDEADLK);
    WEFT_ASSERT(pthread_mutex_destroy(&ec) == EBUSY);
    pthread_t t;
    pthread_create(&t, NULL, unlock_foreign, NULL);
    pthread_join(t, NULL);
    WEFT_ASSERT(pthread_mutex_unlock(&ec) == 0);
    WEFT_ASSERT(pthread_mutex_destroy(&ec) == 0);
    return 0;
}

static void test_pthread_mutex_errorcheck(void)
{
    defaults();
    EXPECT_PASS(prog_mutex_errorcheck, NULL);
}

PROGRAM(prog_mutex_relock_normal)
{
    pthread_mutex_t m;
    pthread_mutex_init(&m, NULL);
    pthread_mutex_lock(&m);
    pthread_mutex_lock(&m); /* glibc: waits for itself forever */
    return 0;
}

static void test_pthread_mutex_normal_relock_deadlocks(void)
{
    defaults();
    CU_ASSERT(always_fails_with(prog_mutex_relock_normal, NULL, 20, WEFT_KIND_DEADLOCK,
                                "pthread_mutex_lock"));
}

static pthread_mutex_t held;

static void *hold_forever(void *arg)
{
    pthread_mutex_lock(&held);
    for (;;)
        sleep(1000);
    return arg;
}

PROGRAM(prog_mutex_timedlock)
{
    pthread_mutex_init(&held, NULL);
    pthread_t t;
    pthread_create(&t, NULL, hold_forever, NULL);
    while (pthread_mutex_trylock(&held) == 0) { /* until the holder has it */
        pthread_mutex_unlock(&held);
        sched_yield();
    }
    struct timespec now, deadline;
    clock_gettime(CLOCK_REALTIME, &now);
    deadline = now;
    deadline.tv_sec += 2;
    WEFT_ASSERT(pthread_mutex_timedlock(&held, &deadline) == ETIMEDOUT);
    struct timespec after;
    clock_gettime(CLOCK_REALTIME, &after);
    WEFT_ASSERT(after.tv_sec >= deadline.tv_sec);
    deadline.tv_nsec = 2000000000L;
    WEFT_ASSERT(pthread_mutex_timedlock(&held, &deadline) == EINVAL);
    return 0;
}

static void test_pthread_mutex_timedlock_times_out_on_virtual_time(void)
{
    defaults();
    EXPECT_PASS(prog_mutex_timedlock, NULL);
}

static pthread_mutex_t ma, mb;

static void *ab(void *arg)
{
    pthread_mutex_lock(&ma);
    pthread_mutex_lock(&mb);
    pthread_mutex_unlock(&mb);
    pthread_mutex_unlock(&ma);
    return arg;
}

static void *ba(void *arg)
{
    pthread_mutex_lock(&mb);
    pthread_mutex_lock(&ma);
    pthread_mutex_unlock(&ma);
    pthread_mutex_unlock(&mb);
    return arg;
}

PROGRAM(prog_abba)
{
    pthread_mutex_init(&ma, NULL);
    pthread_mutex_init(&mb, NULL);
    pthread_t t1, t2;
    pthread_create(&t1, NULL, ab, NULL);
    pthread_create(&t2, NULL, ba, NULL);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    return 0;
}

static void test_pthread_abba_deadlock_found(void)
{
    defaults();
    CU_ASSERT(fails_with(prog_abba, NULL, 500, WEFT_KIND_DEADLOCK, "pthread_mutex_lock on mutex"));
    CU_ASSERT(fails_with(prog_abba, NULL, 500, WEFT_KIND_DEADLOCK, "held by task"));
}

static pthread_spinlock_t spin;

static void *spin_bump(void *arg)
{
    pthread_spin_lock(&spin);
    inside++;
    WEFT_ASSERT(inside == 1);
    sched_yield();
    inside--;
    counter++;
    pthread_spin_unlock(&spin);
    return arg;
}

PROGRAM(prog_spinlock)
{
    counter = inside = 0;
    pthread_spin_init(&spin, PTHREAD_PROCESS_PRIVATE);
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, spin_bump, NULL);
    if (pthread_spin_trylock(&spin) == 0)
        pthread_spin_unlock(&spin);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    WEFT_ASSERT(counter == 3);
    return 0;
}

static void test_pthread_spinlock(void)
{
    defaults();
    EXPECT_PASS(prog_spinlock, NULL);
}

/* ----------------------------------------------------------- conditions */

#define QCAP 2
static pthread_mutex_t qm = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER;
static int q[QCAP], qn, consumed;

static void *producer(void *arg)
{
    for (int i = 1; i <= 4; i++) {
        pthread_mutex_lock(&qm);
        while (qn == QCAP)
            pthread_cond_wait(&not_full, &qm);
        q[qn++] = i;
        pthread_cond_signal(&not_empty);
        pthread_mutex_unlock(&qm);
    }
    return arg;
}

static void *consumer(void *arg)
{
    for (int i = 0; i < 4; i++) {
        pthread_mutex_lock(&qm);
        while (qn == 0)
            pthread_cond_wait(&not_empty, &qm);
        int v = q[0];
        for (int k = 1; k < qn; k++)
            q[k - 1] = q[k];
        qn--;
        consumed += v;
        pthread_cond_signal(&not_full);
        pthread_mutex_unlock(&qm);
    }
    return arg;
}

PROGRAM(prog_bounded_buffer)
{
    qn = consumed = 0;
    pthread_t p1, p2, c1, c2;
    pthread_create(&p1, NULL, producer, NULL);
    pthread_create(&c1, NULL, consumer, NULL);
    pthread_create(&p2, NULL, producer, NULL);
    pthread_create(&c2, NULL, consumer, NULL);
    pthread_join(p1, NULL);
    pthread_join(p2, NULL);
    pthread_join(c1, NULL);
    pthread_join(c2, NULL);
    WEFT_ASSERT_MSG(consumed == 20, "consumed %d", consumed);
    return 0;
}

static void test_pthread_cond_predicate_loop_holds(void)
{
    defaults();
    EXPECT_PASS(prog_bounded_buffer, NULL);
    /* ... also when waits return spuriously */
    CU_ASSERT(passes_injected(prog_bounded_buffer, SEEDS, 0.5));
}

static pthread_cond_t cv;
static int ready;

static void *wait_once(void *arg)
{
    pthread_mutex_lock(&qm);
    if (!ready) /* bug: no predicate loop */
        pthread_cond_wait(&cv, &qm);
    WEFT_ASSERT_MSG(ready, "woke up without the predicate");
    pthread_mutex_unlock(&qm);
    return arg;
}

PROGRAM(prog_wait_without_loop)
{
    ready = 0;
    pthread_cond_init(&cv, NULL);
    pthread_t t;
    pthread_create(&t, NULL, wait_once, NULL);
    pthread_mutex_lock(&qm);
    ready = 1;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&qm);
    pthread_join(t, NULL);
    return 0;
}

static void test_pthread_cond_spurious_wakeup_is_injected(void)
{
    defaults();
    CU_ASSERT(passes_injected(prog_wait_without_loop, SEEDS, 0));
    weft_options o = WEFT_OPTIONS_INIT;
    o.iterations = 500;
    o.quiet = true;
    o.inject_rate = 0.5;
    weft_report r;
    CU_ASSERT(weft_check("t", prog_wait_without_loop, NULL, &o, &r) == 1);
    CU_ASSERT(r.n_failures && strstr(r.failures[0].message, "without the predicate"));
    weft_report_free(&r);
}

static int woke[2], waiting;

static void *wait_flag(void *arg)
{
    pthread_mutex_lock(&qm);
    waiting++;
    while (!ready)
        pthread_cond_wait(&cv, &qm);
    ready--;
    woke[ID(arg)]++;
    pthread_mutex_unlock(&qm);
    return arg;
}

static int which_woke[2];

PROGRAM(prog_signal_wakes_one)
{
    ready = waiting = 0;
    woke[0] = woke[1] = 0;
    pthread_cond_init(&cv, NULL);
    pthread_t t[2];
    pthread_create(&t[0], NULL, wait_flag, ARG(0));
    pthread_create(&t[1], NULL, wait_flag, ARG(1));
    pthread_mutex_lock(&qm);
    while (waiting < 2) {
        pthread_mutex_unlock(&qm);
        sched_yield();
        pthread_mutex_lock(&qm);
    }
    ready = 1;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&qm);
    for (int spins = 0; spins < 20; spins++)
        sched_yield();
    pthread_mutex_lock(&qm);
    WEFT_ASSERT_MSG(woke[0] + woke[1] <= 1, "one signal woke two threads");
    int first = woke[0] ? 0 : woke[1] ? 1 : -1;
    if (first >= 0)
        which_woke[first] = 1;
    ready = 1; /* release the other one */
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&qm);
    pthread_join(t[0], NULL);
    pthread_join(t[1], NULL);
    WEFT_ASSERT(woke[0] == 1 && woke[1] == 1);
    return 0;
}

static void test_pthread_cond_signal_wakes_either_one(void)
{
    defaults();
    which_woke[0] = which_woke[1] = 0;
    EXPECT_PASS(prog_signal_wakes_one, NULL);
    CU_ASSERT(which_woke[0] && which_woke[1]); /* the scheduler chose both ways */
}

PROGRAM(prog_lost_signal)
{
    ready = 0;
    pthread_cond_init(&cv, NULL);
    pthread_t t;
    pthread_create(&t, NULL, wait_once, NULL);
    pthread_mutex_lock(&qm);
    pthread_cond_signal(&cv); /* bug: no flag; lost if nobody waits yet */
    pthread_mutex_unlock(&qm);
    pthread_mutex_lock(&qm);
    ready = 1;
    pthread_mutex_unlock(&qm);
    pthread_join(t, NULL);
    return 0;
}

static void test_pthread_cond_lost_signal_deadlocks(void)
{
    defaults();
    CU_ASSERT(fails_with(prog_lost_signal, NULL, 500, WEFT_KIND_DEADLOCK, "pthread_cond_wait"));
}

PROGRAM(prog_cond_timedwait)
{
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(&cv, &a);
    struct timespec t0, deadline, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    deadline = t0;
    deadline.tv_sec += 5;
    pthread_mutex_lock(&qm);
    WEFT_ASSERT(pthread_cond_timedwait(&cv, &qm, &deadline) == ETIMEDOUT);
    WEFT_ASSERT(pthread_mutex_trylock(&qm) == EBUSY); /* relocked */
    pthread_mutex_unlock(&qm);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    WEFT_ASSERT_MSG(t1.tv_sec - t0.tv_sec == 5, "%ld s passed", (long)(t1.tv_sec - t0.tv_sec));
    return 0;
}

static void test_pthread_cond_timedwait_times_out_on_virtual_time(void)
{
    defaults();
    EXPECT_PASS(prog_cond_timedwait, NULL);
}

/* ------------------------------------------------------- rwlock, barrier */

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static int readers_in, writers_in, max_readers;

static void *reader(void *arg)
{
    pthread_rwlock_rdlock(&rw);
    readers_in++;
    if (readers_in > max_readers)
        max_readers = readers_in;
    WEFT_ASSERT(writers_in == 0);
    sched_yield();
    readers_in--;
    pthread_rwlock_unlock(&rw);
    return arg;
}

static void *writer(void *arg)
{
    pthread_rwlock_wrlock(&rw);
    writers_in++;
    WEFT_ASSERT(writers_in == 1 && readers_in == 0);
    sched_yield();
    writers_in--;
    pthread_rwlock_unlock(&rw);
    return arg;
}

static int most_readers;

PROGRAM(prog_rwlock)
{
    readers_in = writers_in = max_readers = 0;
    pthread_t t[4];
    pthread_create(&t[0], NULL, reader, NULL);
    pthread_create(&t[1], NULL, writer, NULL);
    pthread_create(&t[2], NULL, reader, NULL);
    pthread_create(&t[3], NULL, writer, NULL);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    WEFT_ASSERT(pthread_rwlock_trywrlock(&rw) == 0);
    WEFT_ASSERT(pthread_rwlock_tryrdlock(&rw) == EBUSY);
    pthread_rwlock_unlock(&rw);
    if (max_readers > most_readers)
        most_readers = max_readers;
    return 0;
}

static void test_pthread_rwlock_readers_share_writers_exclude(void)
{
    defaults();
    most_readers = 0;
    EXPECT_PASS(prog_rwlock, NULL);
    CU_ASSERT(most_readers == 2); /* some schedule had both readers inside */
}

static pthread_barrier_t bar;
static int phase_done[3], serial_count;

static void *phased(void *arg)
{
    int me = ID(arg);
    phase_done[me] = 1;
    int rc = pthread_barrier_wait(&bar);
    WEFT_ASSERT(rc == 0 || rc == PTHREAD_BARRIER_SERIAL_THREAD);
    if (rc == PTHREAD_BARRIER_SERIAL_THREAD)
        serial_count++;
    for (int i = 0; i < 3; i++)
        WEFT_ASSERT_MSG(phase_done[i], "thread %d passed the barrier before %d arrived", me, i);
    return arg;
}

PROGRAM(prog_barrier)
{
    serial_count = 0;
    for (int i = 0; i < 3; i++)
        phase_done[i] = 0;
    pthread_barrier_init(&bar, NULL, 3);
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, phased, ARG(i));
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    WEFT_ASSERT(serial_count == 1);
    WEFT_ASSERT(pthread_barrier_destroy(&bar) == 0);
    return 0;
}

static void test_pthread_barrier(void)
{
    defaults();
    EXPECT_PASS(prog_barrier, NULL);
}

/* -------------------------------------------------- once, keys, threads */

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int inits, initialised;

static void init_once(void)
{
    inits++;
    sched_yield(); /* others calling pthread_once must wait */
    initialised = 1;
}

static void *call_once(void *arg)
{
    pthread_once(&once, init_once);
    WEFT_ASSERT(initialised);
    return arg;
}

PROGRAM(prog_once)
{
    inits = initialised = 0;
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, call_once, NULL);
    call_once(NULL);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    WEFT_ASSERT_MSG(inits == 1, "init ran %d times", inits);
    return 0;
}

static void test_pthread_once_runs_init_once_per_execution(void)
{
    defaults();
    EXPECT_PASS(prog_once, NULL);
}

static pthread_key_t key;
static int destroyed;

static void destroy_value(void *v)
{
    destroyed += ID(v);
}

static void *use_key(void *arg)
{
    WEFT_ASSERT(pthread_getspecific(key) == NULL);
    pthread_setspecific(key, arg);
    sched_yield();
    WEFT_ASSERT(pthread_getspecific(key) == arg);
    return NULL;
}

PROGRAM(prog_keys)
{
    destroyed = 0;
    WEFT_ASSERT(pthread_key_create(&key, destroy_value) == 0);
    pthread_t t[2];
    pthread_create(&t[0], NULL, use_key, ARG(10));
    pthread_create(&t[1], NULL, use_key, ARG(20));
    pthread_setspecific(key, ARG(1));
    pthread_join(t[0], NULL);
    pthread_join(t[1], NULL);
    WEFT_ASSERT(pthread_getspecific(key) == ARG(1));
    WEFT_ASSERT_MSG(destroyed == 30, "destructors saw %d", destroyed);
    return 0;
}

static void test_pthread_keys_are_per_thread(void)
{
    defaults();
    EXPECT_PASS(prog_keys, NULL);
}

static void *ret_via_exit(void *arg)
{
    pthread_exit(ARG(ID(arg) * 2));
}

static void *nothing(void *arg)
{
    return arg;
}

PROGRAM(prog_join)
{
    pthread_t t, d;
    pthread_create(&t, NULL, ret_via_exit, ARG(21));
    void *ret = NULL;
    WEFT_ASSERT(pthread_join(t, &ret) == 0);
    WEFT_ASSERT(ID(ret) == 42);
    WEFT_ASSERT(pthread_join(t, NULL) == ESRCH); /* joined already */
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    pthread_create(&d, &a, nothing, NULL);
    WEFT_ASSERT(pthread_join(d, NULL) == EINVAL);
    WEFT_ASSERT(pthread_join(pthread_self(), NULL) == EDEADLK);
    WEFT_ASSERT(pthread_join((pthread_t)999, NULL) == ESRCH);
    WEFT_ASSERT(pthread_equal(pthread_self(), pthread_self()));
    WEFT_ASSERT(!pthread_equal(pthread_self(), t));
    return 0;
}

static void test_pthread_join_return_values(void)
{
    defaults();
    EXPECT_PASS(prog_join, NULL);
}

/* ------------------------------------------------------------ semaphores */

static sem_t slots, items;
static int sem_sum;

static void *sem_producer(void *arg)
{
    for (int i = 1; i <= 3; i++) {
        WEFT_ASSERT(sem_wait(&slots) == 0);
        sem_sum += i;
        sem_post(&items);
    }
    return arg;
}

PROGRAM(prog_semaphores)
{
    sem_sum = 0;
    sem_init(&slots, 0, 1);
    sem_init(&items, 0, 0);
    WEFT_ASSERT(sem_trywait(&items) == -1 && errno == EAGAIN);
    pthread_t t;
    pthread_create(&t, NULL, sem_producer, NULL);
    for (int i = 0; i < 3; i++) {
        WEFT_ASSERT(sem_wait(&items) == 0);
        sem_post(&slots);
    }
    pthread_join(t, NULL);
    WEFT_ASSERT(sem_sum == 6);
    int v;
    sem_getvalue(&slots, &v);
    WEFT_ASSERT(v == 1);
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += 1;
    WEFT_ASSERT(sem_timedwait(&items, &dl) == -1 && errno == ETIMEDOUT);
    return 0;
}

static void test_pthread_semaphores(void)
{
    defaults();
    EXPECT_PASS(prog_semaphores, NULL);
}

/* ------------------------------------------------------ process and time */

static int thread_ran;

static void *exits_3(void *arg)
{
    exit(3);
    return arg;
}

PROGRAM(prog_exit_in_thread)
{
    pthread_t t;
    pthread_create(&t, NULL, exits_3, NULL);
    pthread_join(t, NULL);
    return 0;
}

static void *forever(void *arg)
{
    for (;;)
        sleep(1);
    return arg;
}

PROGRAM(prog_main_returns_with_threads_running)
{
    pthread_t t;
    pthread_create(&t, NULL, forever, NULL);
    return 0;
}

PROGRAM(prog_main_returns_2)
{
    return 2;
}

static void *late(void *arg)
{
    usleep(1000);
    thread_ran = 1;
    return arg;
}

PROGRAM(prog_main_pthread_exit)
{
    thread_ran = 0;
    pthread_t t;
    pthread_create(&t, NULL, late, NULL);
    pthread_exit(NULL);
}

static void test_pthread_exit_status_is_the_verdict(void)
{
    defaults();
    CU_ASSERT(always_fails_with(prog_exit_in_thread, NULL, 20, WEFT_KIND_FAILURE, "exit(3)"));
    CU_ASSERT(always_fails_with(prog_main_returns_2, NULL, 5, WEFT_KIND_FAILURE,
                                "main returned 2"));
    EXPECT_PASS(prog_main_returns_with_threads_running, NULL);
    EXPECT_PASS(prog_main_pthread_exit, NULL);
    CU_ASSERT(thread_ran == 1);
}

PROGRAM(prog_sleep)
{
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    sleep(2);
    usleep(500000);
    struct timespec req = {0, 250000000};
    nanosleep(&req, NULL);
    clock_gettime(CLOCK_MONOTONIC, &b);
    int64_t ns = (b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec);
    WEFT_ASSERT_MSG(ns == 2750000000LL, "slept %lld ns", (long long)ns);
    WEFT_ASSERT(time(NULL) >= 1700000000);
    return 0;
}

static void test_pthread_sleep_uses_virtual_time(void)
{
    defaults();
    EXPECT_PASS(prog_sleep, NULL);
}

/* ----------------------------------------------- memory points and races */

static int shared;

static void *racy_increment(void *arg)
{
    __tsan_read4(&shared); /* what -fsanitize=thread code calls */
    int v = shared;
    __tsan_write4(&shared);
    shared = v + 1;
    return arg;
}

PROGRAM(prog_lost_update)
{
    shared = 0;
    pthread_t t1, t2;
    pthread_create(&t1, NULL, racy_increment, NULL);
    pthread_create(&t2, NULL, racy_increment, NULL);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    WEFT_ASSERT_MSG(shared == 2, "lost update: shared is %d", shared);
    return 0;
}

static void test_pthread_lost_update_found_with_memory_points(void)
{
    weft_pthread_set_points(WEFT_PTHREAD_POINTS_MEMORY);
    weft_pthread_set_races(false);
    CU_ASSERT(fails_with(prog_lost_update, NULL, 500, WEFT_KIND_ASSERT, "lost update"));
    weft_pthread_set_points(WEFT_PTHREAD_POINTS_SYNC);
    EXPECT_PASS(prog_lost_update, NULL); /* no point between read and write */
    defaults();
}

static void test_pthread_race_reported_with_both_accesses(void)
{
    weft_pthread_set_points(WEFT_PTHREAD_POINTS_SYNC);
    weft_pthread_set_races(true);
    CU_ASSERT(always_fails_with(prog_lost_update, NULL, 50, WEFT_KIND_RACE, "data race"));
    CU_ASSERT(fails_with(prog_lost_update, NULL, 50, WEFT_KIND_RACE, "conflicts with an earlier"));
    CU_ASSERT(fails_with(prog_lost_update, NULL, 50, WEFT_KIND_RACE, "'shared'"));
    defaults();
}

static void *locked_increment(void *arg)
{
    pthread_mutex_lock(&mx);
    racy_increment(arg);
    pthread_mutex_unlock(&mx);
    return arg;
}

PROGRAM(prog_locked_update)
{
    shared = 0;
    pthread_t t1, t2;
    pthread_create(&t1, NULL, locked_increment, NULL);
    pthread_create(&t2, NULL, locked_increment, NULL);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    __tsan_read4(&shared);
    WEFT_ASSERT(shared == 2);
    return 0;
}

static void test_pthread_no_race_under_a_mutex(void)
{
    weft_pthread_set_points(WEFT_PTHREAD_POINTS_MEMORY);
    weft_pthread_set_races(true);
    EXPECT_PASS(prog_locked_update, NULL);
    defaults();
}

PROGRAM(prog_use_after_free)
{
    int *p = weft__posix_malloc(sizeof *p);
    weft__posix_free(p);
    __tsan_read4(p);
    return 0;
}

PROGRAM(prog_double_free)
{
    int *p = weft__posix_malloc(16);
    weft__posix_free(p);
    weft__posix_free(p);
    return 0;
}

static void test_pthread_heap_misuse_is_a_crash(void)
{
    defaults();
    CU_ASSERT(always_fails_with(prog_use_after_free, NULL, 5, WEFT_KIND_CRASH,
                                "heap-use-after-free"));
    CU_ASSERT(always_fails_with(prog_double_free, NULL, 5, WEFT_KIND_CRASH, "double free"));
}

/* The same seed gives the same schedule, choice of woken thread included. */
static void test_pthread_schedules_replay(void)
{
    defaults();
    uint64_t seeds[] = {3};
    uint64_t hash[2];
    for (int i = 0; i < 2; i++) {
        weft_options o = WEFT_OPTIONS_INIT;
        o.seeds = seeds;
        o.n_seeds = 1;
        o.quiet = true;
        o.inject_rate = 0.3;
        weft_report r;
        CU_ASSERT(weft_check("t", prog_signal_wakes_one, NULL, &o, &r) == 0);
        hash[i] = r.last_trace_hash;
        weft_report_free(&r);
    }
    CU_ASSERT(hash[0] == hash[1]);
}

SUITE(pthread)
ADD(test_pthread_mutex_exclusion)
ADD(test_pthread_mutex_static_state_is_per_execution)
ADD(test_pthread_mutex_recursive)
ADD(test_pthread_mutex_errorcheck)
ADD(test_pthread_mutex_normal_relock_deadlocks)
ADD(test_pthread_mutex_timedlock_times_out_on_virtual_time)
ADD(test_pthread_abba_deadlock_found)
ADD(test_pthread_spinlock)
ADD(test_pthread_cond_predicate_loop_holds)
ADD(test_pthread_cond_spurious_wakeup_is_injected)
ADD(test_pthread_cond_signal_wakes_either_one)
ADD(test_pthread_cond_lost_signal_deadlocks)
ADD(test_pthread_cond_timedwait_times_out_on_virtual_time)
ADD(test_pthread_rwlock_readers_share_writers_exclude)
ADD(test_pthread_barrier)
ADD(test_pthread_once_runs_init_once_per_execution)
ADD(test_pthread_keys_are_per_thread)
ADD(test_pthread_join_return_values)
ADD(test_pthread_semaphores)
ADD(test_pthread_exit_status_is_the_verdict)
ADD(test_pthread_sleep_uses_virtual_time)
ADD(test_pthread_lost_update_found_with_memory_points)
ADD(test_pthread_race_reported_with_both_accesses)
ADD(test_pthread_no_race_under_a_mutex)
ADD(test_pthread_heap_misuse_is_a_crash)
ADD(test_pthread_schedules_replay)
END_SUITE
