/*
 * program_main.c — the main of a program built with weft-cc, and the
 * process-wide symbols that catch what libraries do on the program's
 * behalf.
 *
 * weft-cc redirects the program's own calls (pthread_create in its code is
 * weft_pthread_create). Libraries it calls are not rewritten: libstdc++'s
 * std::thread calls pthread_create, std::condition_variable calls
 * pthread_cond_wait, std::this_thread::sleep_for calls nanosleep, and
 * libc frees blocks the program allocated. Defined here, in the program,
 * these names take precedence over libc's for every library; inside an
 * execution they go to weft, outside one (weft's own threads, SQLite,
 * libFuzzer) to the real functions.
 *
 * This file is its own library (libweft_pthread_main.a) so that only
 * weft-cc programs pull it in: weft's unit tests link libweft_pthread with
 * their own main and keep libc's symbols.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <weft/pthread.h>

extern int weft__posix_program_main(int argc, char **argv);
extern bool weft__posix_heap_free(void *p);
extern bool weft__posix_heap_realloc(void *p, size_t n, void **out);
extern void __libc_free(void *p);
extern void *__libc_realloc(void *p, size_t n);

int main(int argc, char **argv)
{
    return weft__posix_program_main(argc, argv);
}

#if !defined(__SANITIZE_ADDRESS__)
void free(void *p)
{
    if (p && weft__posix_heap_free(p))
        return;
    __libc_free(p);
}

void *realloc(void *p, size_t n)
{
    void *out;
    if (weft__posix_heap_realloc(p, n, &out))
        return out;
    return __libc_realloc(p, n);
}
#endif

/* ------------------------------------------- libraries' pthread calls */

static bool in_execution(void)
{
    return weft_task_id() >= 0;
}

static void *real(const char *name)
{
    void *f = dlsym(RTLD_NEXT, name);
    if (!f) {
        fprintf(stderr, "weft: cannot find the real %s\n", name);
        abort();
    }
    return f;
}

#define REAL(name)                                                            \
    static __typeof__(name) *real_fn;                                         \
    if (!real_fn)                                                             \
        real_fn = (__typeof__(name) *)real(#name)

int pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg)
{
    if (in_execution())
        return weft_pthread_create(t, a, fn, arg);
    REAL(pthread_create);
    return real_fn(t, a, fn, arg);
}

int pthread_join(pthread_t t, void **ret)
{
    if (in_execution())
        return weft_pthread_join(t, ret);
    REAL(pthread_join);
    return real_fn(t, ret);
}

int pthread_detach(pthread_t t)
{
    if (in_execution())
        return weft_pthread_detach(t);
    REAL(pthread_detach);
    return real_fn(t);
}

int pthread_mutex_lock(pthread_mutex_t *m)
{
    if (in_execution())
        return weft_pthread_mutex_lock(m);
    REAL(pthread_mutex_lock);
    return real_fn(m);
}

int pthread_mutex_trylock(pthread_mutex_t *m)
{
    if (in_execution())
        return weft_pthread_mutex_trylock(m);
    REAL(pthread_mutex_trylock);
    return real_fn(m);
}

int pthread_mutex_unlock(pthread_mutex_t *m)
{
    if (in_execution())
        return weft_pthread_mutex_unlock(m);
    REAL(pthread_mutex_unlock);
    return real_fn(m);
}

int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
    if (in_execution())
        return weft_pthread_cond_wait(c, m);
    REAL(pthread_cond_wait);
    return real_fn(c, m);
}

int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *t)
{
    if (in_execution())
        return weft_pthread_cond_timedwait(c, m, t);
    REAL(pthread_cond_timedwait);
    return real_fn(c, m, t);
}

int pthread_cond_clockwait(pthread_cond_t *c, pthread_mutex_t *m, clockid_t k,
                           const struct timespec *t)
{
    if (in_execution())
        return weft_pthread_cond_clockwait(c, m, k, t);
    REAL(pthread_cond_clockwait);
    return real_fn(c, m, k, t);
}

int pthread_cond_signal(pthread_cond_t *c)
{
    if (in_execution())
        return weft_pthread_cond_signal(c);
    REAL(pthread_cond_signal);
    return real_fn(c);
}

int pthread_cond_broadcast(pthread_cond_t *c)
{
    if (in_execution())
        return weft_pthread_cond_broadcast(c);
    REAL(pthread_cond_broadcast);
    return real_fn(c);
}

int pthread_once(pthread_once_t *o, void (*init)(void))
{
    if (in_execution())
        return weft_pthread_once(o, init);
    REAL(pthread_once);
    return real_fn(o, init);
}

int nanosleep(const struct timespec *req, struct timespec *rem)
{
    if (in_execution())
        return weft_pthread_nanosleep(req, rem);
    REAL(nanosleep);
    return real_fn(req, rem);
}

int sched_yield(void)
{
    if (in_execution())
        return weft_sched_yield();
    REAL(sched_yield);
    return real_fn();
}
