/*
 * thread.c — threads as weft tasks: create, join, detach, exit, self,
 * once, thread-specific data, and the main thread (weft_pthread_main).
 *
 * A pthread_t is the thread's index + 1 in its execution (the main thread
 * is 1), so ids are the same in every run of a schedule. Threads are
 * spawned into one task group that weft_pthread_main opens around the
 * program's main; the group is never joined: the execution ends when the
 * process would (main returns, exit is called), abandoning running threads
 * as the kernel would. A thread's start routine runs under a setjmp so that
 * pthread_exit can leave it from any depth; the task then returns WEFT_OK
 * (a pthread has no failure code: failures are asserts, crashes, exits).
 *
 * pthread_create is not a scheduling point: nothing another thread does
 * can depend on whether a thread it cannot see exists yet, so creating
 * commutes with it (as a release does), and a loop creating a hundred
 * threads costs no points. The new thread runs once the creator reaches
 * its next point.
 */
#include "posix.h"

#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#define EXEC_KEY_BASE 1024u   /* keys made inside an execution: 1024 + i */
#define EXEC_KEY_MAX 1024u
#define WP_DESTRUCTOR_ROUNDS 4 /* PTHREAD_DESTRUCTOR_ITERATIONS */

/* ------------------------------------------------------------- threads */

static void join_describe(const weft__task *t, char *buf, size_t len)
{
    const wp_thread *th = wp_blocked_thread(t);
    const wp_thread *target = th ? th->wait_obj : NULL;
    char label[96] = "a thread";
    if (target)
        wp_label(target, label, sizeof label);
    snprintf(buf, len, "for %s to end", label);
}

static void exit_describe(const weft__task *t, char *buf, size_t len)
{
    (void)t;
    snprintf(buf, len, "(pthread_exit in main) for every other thread to end");
}

static const weft__wait_ops join_ops = {"pthread_join", join_describe, NULL};
static const weft__wait_ops exit_ops = {"pthread_exit", exit_describe, NULL};

static void run_key_destructors(wp_exec *x, wp_thread *th)
{
    for (int round = 0; round < WP_DESTRUCTOR_ROUNDS; round++) {
        bool any = false;
        for (uint32_t i = 0; i < x->n_keys; i++) {
            uint32_t k = EXEC_KEY_BASE + i;
            if (!x->keys[i].used || !x->keys[i].destructor || k >= th->n_tsd || !th->tsd[k])
                continue;
            void *v = th->tsd[k];
            th->tsd[k] = NULL;
            x->keys[i].destructor(v);
            any = true;
        }
        if (!any)
            break;
    }
}

void wp_thread_finish(wp_exec *x, wp_thread *th)
{
    run_key_destructors(x, th);
    th->exited = true;
    wp_wake_all(x, &th->joiners, WEFT__OP_JOIN);
    if (!th->adopted && th->index != 0 && --x->live == 0)
        wp_wake_all(x, &x->exit_waiters, WEFT__OP_JOIN);
}

static int thread_entry(void *arg)
{
    wp_thread *volatile th = arg;
    if (setjmp(th->exit_jb) == 0)
        th->retval = th->start(th->arg);
    wp_thread_finish(wp_exec_need("pthread"), th);
    return WEFT_OK;
}

int weft_pthread_create(pthread_t *out, const pthread_attr_t *attr, void *(*start)(void *),
                        void *arg)
{
    uintptr_t pc = WP_PC();
    wp_exec *x = wp_exec_get();
    if (!x)
        return EAGAIN;
    if (!x->group)
        wp_misuse(pc, "pthread_create outside a pthread program: run the program's main "
                      "with weft_pthread_main");
    if (!start)
        return EINVAL;
    int detach = PTHREAD_CREATE_JOINABLE;
    if (attr && pthread_attr_getdetachstate(attr, &detach) != 0)
        return EINVAL;
    wp_thread *me = wp_self(x);
    wp_thread *th = wp_thread_new(x);
    th->start = start;
    th->arg = arg;
    th->created_pc = pc;
    th->detached = detach == PTHREAD_CREATE_DETACHED;
    const char *fname = wp_func_name((const void *)start);
    char name[64];
    if (fname)
        snprintf(name, sizeof name, "%s", fname);
    else
        snprintf(name, sizeof name, "thread %u", th->index + 1);
    if (wp_cfg_races) {
        wp_vc_copy(x, &th->vc, &me->vc);
        wp_vc_tick(th);
        wp_vc_tick(me);
    }
    (weft_spawn)(x->group, thread_entry, th, name);
    weft__rt *rt = x->rt;
    wp_task_map(x, rt->tasks[rt->n_tasks - 1], th);
    th->name = th->task->name;
    x->live++;
    if (out)
        *out = (pthread_t)th->index + 1;
    return 0;
}

static wp_thread *lookup(wp_exec *x, pthread_t id)
{
    if (id == 0 || id > x->n_threads)
        return NULL;
    wp_thread *th = x->threads[id - 1];
    return th->adopted ? NULL : th;
}

static int join(pthread_t id, void **retval, bool try, bool timed,
                const struct timespec *abs, uintptr_t pc)
{
    wp_exec *x = wp_exec_get();
    if (!x)
        return ESRCH;
    wp_thread *me = wp_self(x);
    weft_time deadline = WEFT_FOREVER;
    if (timed && wp_deadline(CLOCK_REALTIME, abs, &deadline) != 0)
        return EINVAL;
    wp_point(x, me, WEFT__OP_JOIN, 0);
    wp_thread *th = lookup(x, id);
    if (!th || th->joined)
        return ESRCH;
    if (th == me)
        return EDEADLK;
    if (th->detached)
        return EINVAL;
    while (!th->exited) {
        if (try)
            return EBUSY;
        if (!wp_block(x, me, &th->joiners, &join_ops, th, 0, deadline, pc))
            return ETIMEDOUT;
    }
    th->joined = true;
    if (retval)
        *retval = th->retval;
    if (wp_cfg_races)
        wp_vc_acquire(x, me, &th->vc);
    return 0;
}

int weft_pthread_join(pthread_t id, void **retval)
{
    return join(id, retval, false, false, NULL, WP_PC());
}

int weft_pthread_tryjoin_np(pthread_t id, void **retval)
{
    return join(id, retval, true, false, NULL, WP_PC());
}

int weft_pthread_timedjoin_np(pthread_t id, void **retval, const struct timespec *abstime)
{
    return join(id, retval, false, true, abstime, WP_PC());
}

int weft_pthread_detach(pthread_t id)
{
    wp_exec *x = wp_exec_get();
    if (!x)
        return ESRCH;
    wp_thread *th = lookup(x, id);
    if (!th || th->joined)
        return ESRCH;
    if (th->detached)
        return EINVAL;
    th->detached = true;
    return 0;
}

void weft_pthread_exit(void *retval)
{
    uintptr_t pc = WP_PC();
    wp_exec *x = wp_exec_get();
    if (!x)
        pthread_exit(retval);
    wp_thread *me = wp_self(x);
    if (me->adopted)
        wp_misuse(pc, "pthread_exit in a weft task that is not a pthread");
    wp_point(x, me, WEFT__OP_SYNC, 0);
    me->retval = retval;
    if (me->index == 0) {
        /* The main thread leaves; the process lives on until the last
         * thread ends, then exits with status 0. */
        run_key_destructors(x, me);
        me->exited = true;
        wp_wake_all(x, &me->joiners, WEFT__OP_JOIN);
        while (x->live > 0)
            wp_block(x, me, &x->exit_waiters, &exit_ops, NULL, 0, WEFT_FOREVER, pc);
        wp_process_exit(x, 0, true, pc);
    }
    longjmp(me->exit_jb, 1);
}

pthread_t weft_pthread_self(void)
{
    wp_exec *x = wp_exec_get();
    if (!x)
        return 1;
    return (pthread_t)wp_self(x)->index + 1;
}

int weft_pthread_equal(pthread_t a, pthread_t b)
{
    return a == b;
}

int weft_pthread_cancel(pthread_t id)
{
    (void)id;
    return ENOTSUP;
}

int weft_pthread_kill(pthread_t id, int sig)
{
    wp_exec *x = wp_exec_get();
    if (!x)
        return ESRCH;
    wp_thread *th = lookup(x, id);
    if (!th || th->exited)
        return ESRCH;
    return sig == 0 ? 0 : ENOTSUP;
}

int weft_pthread_setname_np(pthread_t id, const char *name)
{
    wp_exec *x = wp_exec_get();
    if (!x)
        return 0;
    wp_thread *th = lookup(x, id);
    if (!th)
        return ESRCH;
    if (strlen(name) > 15)
        return ERANGE;
    char *copy = weft__alloc(x->rt, 16);
    memcpy(copy, name, strlen(name) + 1);
    th->name = copy;
    return 0;
}

int weft_pthread_getname_np(pthread_t id, char *buf, size_t len)
{
    wp_exec *x = wp_exec_get();
    wp_thread *th = x ? lookup(x, id) : NULL;
    const char *name = th && th->name ? th->name : "main";
    if (strlen(name) >= len)
        return ERANGE;
    memcpy(buf, name, strlen(name) + 1);
    return 0;
}

int weft_sched_yield(void)
{
    wp_exec *x = wp_exec_get();
    if (!x)
        return sched_yield();
    wp_point(x, wp_self(x), WEFT__OP_YIELD, 0);
    return 0;
}

int weft_pthread_yield(void)
{
    return weft_sched_yield();
}

/* Scheduling parameters and affinity have no meaning on weft's scheduler:
 * accepted and ignored, so programs that set them run unchanged. */
int weft_pthread_setschedparam(pthread_t id, int policy, const struct sched_param *p)
{
    (void)id, (void)policy, (void)p;
    return 0;
}

int weft_pthread_getschedparam(pthread_t id, int *policy, struct sched_param *p)
{
    (void)id;
    *policy = SCHED_OTHER;
    memset(p, 0, sizeof *p);
    return 0;
}

int weft_pthread_setschedprio(pthread_t id, int prio)
{
    (void)id, (void)prio;
    return 0;
}

int weft_pthread_setaffinity_np(pthread_t id, size_t size, const cpu_set_t *set)
{
    (void)id, (void)size, (void)set;
    return 0;
}

int weft_pthread_getaffinity_np(pthread_t id, size_t size, cpu_set_t *set)
{
    (void)id;
    memset(set, 0, size);
    CPU_SET_S(0, size, set);
    return 0;
}

int weft_pthread_getattr_np(pthread_t id, pthread_attr_t *attr)
{
    (void)id;
    return pthread_attr_init(attr);
}

/* ---------------------------------------------------------------- once */

typedef struct wp_once {
    uint32_t obj;
    int state;                 /* 0 not run, 1 running, 2 done */
    wp_thread *runner;
    weft__waitq waiters;
    uintptr_t pc;
    wp_vc vc;
} wp_once;

static void once_describe(const weft__task *t, char *buf, size_t len)
{
    const wp_thread *th = wp_blocked_thread(t);
    const wp_once *o = th ? th->wait_obj : NULL;
    char label[96] = "another thread";
    if (o && o->runner)
        wp_label(o->runner, label, sizeof label);
    snprintf(buf, len, "for the init routine running in %s", label);
}

static const weft__wait_ops once_ops = {"pthread_once", once_describe, NULL};

int weft_pthread_once(pthread_once_t *once, void (*init)(void))
{
    uintptr_t pc = WP_PC();
    wp_exec *x = wp_exec_get();
    if (!x)
        return pthread_once(once, init);
    wp_thread *me = wp_self(x);
    wp_once *o = wp_side_get(x, once);
    if (!o) {
        o = weft__alloc(x->rt, sizeof *o);
        o->obj = weft__new_obj(x->rt);
        o->pc = pc;
        /* Done before the first execution (a constructor ran it): glibc
         * marked the control word. Inside executions it is never written. */
        o->state = *once != PTHREAD_ONCE_INIT ? 2 : 0;
        wp_side_put(x, once, o);
    }
    wp_point(x, me, WEFT__OP_SYNC, o->obj);
    while (o->state == 1)
        wp_block(x, me, &o->waiters, &once_ops, o, o->obj, WEFT_FOREVER, pc);
    if (o->state == 2) {
        if (wp_cfg_races)
            wp_vc_acquire(x, me, &o->vc);
        return 0;
    }
    o->state = 1;
    o->runner = me;
    init();
    o->state = 2;
    o->runner = NULL;
    if (wp_cfg_races) {
        wp_vc_release(x, me, &o->vc);
        wp_vc_tick(me);
    }
    wp_wake_all(x, &o->waiters, WEFT__OP_SYNC);
    return 0;
}

/* ---------------------------------------------------------------- keys */

/* Keys made inside an execution are 1024 + i and die with it; keys made
 * before (by glibc, in a constructor) keep their glibc number and start
 * empty in every thread of every execution. */
static void **tsd_slot(wp_exec *x, wp_thread *th, pthread_key_t key)
{
    if (key >= EXEC_KEY_BASE + EXEC_KEY_MAX)
        return NULL;
    if (key >= th->n_tsd) {
        uint32_t n = th->n_tsd * 2 > key + 8 ? th->n_tsd * 2 : key + 8;
        void **t = weft__alloc(x->rt, n * sizeof *t);
        if (th->n_tsd)
            memcpy(t, th->tsd, th->n_tsd * sizeof *t);
        th->tsd = t;
        th->n_tsd = n;
    }
    return &th->tsd[key];
}

int weft_pthread_key_create(pthread_key_t *key, void (*destructor)(void *))
{
    wp_exec *x = wp_exec_get();
    if (!x)
        return pthread_key_create(key, destructor);
    if (x->n_keys == EXEC_KEY_MAX)
        return EAGAIN;
    if (x->n_keys == x->cap_keys) {
        uint32_t cap = x->cap_keys ? x->cap_keys * 2 : 8;
        wp_key *k = weft__alloc(x->rt, cap * sizeof *k);
        if (x->n_keys)
            memcpy(k, x->keys, x->n_keys * sizeof *k);
        x->keys = k;
        x->cap_keys = cap;
    }
    x->keys[x->n_keys] = (wp_key){.used = true, .destructor = destructor};
    *key = EXEC_KEY_BASE + x->n_keys++;
    return 0;
}

int weft_pthread_key_delete(pthread_key_t key)
{
    wp_exec *x = wp_exec_get();
    if (!x)
        return pthread_key_delete(key);
    if (key < EXEC_KEY_BASE || key - EXEC_KEY_BASE >= x->n_keys ||
        !x->keys[key - EXEC_KEY_BASE].used)
        return EINVAL;
    x->keys[key - EXEC_KEY_BASE].used = false;
    return 0;
}

void *weft_pthread_getspecific(pthread_key_t key)
{
    wp_exec *x = wp_exec_get();
    if (!x)
        return pthread_getspecific(key);
    wp_thread *me = wp_self(x);
    return key < me->n_tsd ? me->tsd[key] : NULL;
}

int weft_pthread_setspecific(pthread_key_t key, const void *value)
{
    wp_exec *x = wp_exec_get();
    if (!x)
        return pthread_setspecific(key, value);
    if (key >= EXEC_KEY_BASE &&
        (key - EXEC_KEY_BASE >= x->n_keys || !x->keys[key - EXEC_KEY_BASE].used))
        return EINVAL;
    void **slot = tsd_slot(x, wp_self(x), key);
    if (!slot)
        return EINVAL;
    *slot = (void *)value;
    return 0;
}

/* ---------------------------------------------------------- main thread */

void weft_pthread_main(int (*main_fn)(int, char **), int argc, char **argv)
{
    uintptr_t pc = WP_PC();
    wp_exec *x = wp_exec_need("weft_pthread_main");
    if (x->group)
        wp_misuse(pc, "weft_pthread_main called twice in one execution");
    wp_program_reset();
    x->group = (weft_group_open)();
    wp_thread *me = wp_self(x);
    me->adopted = false;
    me->detached = false;
    me->name = "main";
    if (wp_cfg_races)
        wp_vc_tick(me);
    int status = main_fn(argc, argv);
    wp_process_exit(wp_exec_need("main"), status, true, 0);
}
