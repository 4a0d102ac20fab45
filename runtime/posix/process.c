/*
 * process.c — what a process does around its threads: exit and atexit,
 * abort and assert, sleeping and reading the clock, rand().
 *
 * Inside an execution these never leave the process or read the real
 * clock: exit(n) ends the execution with status n (0 passes, anything else
 * is a `failure`), a failed assert() is an `assert` failure at the
 * assertion's own file:line, abort() a `crash`, sleeps wait on the virtual
 * clock, and time/gettimeofday/clock_gettime read it (CLOCK_REALTIME is the
 * virtual clock plus a fixed date). rand() has one state per execution,
 * seeded 1 as in a fresh process. Outside an execution (static
 * constructors, weft's own code) every call is the real one.
 */
#include "posix.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#define REALTIME_BASE_S 1700000000LL

extern int __cxa_atexit(void (*fn)(void *), void *arg, void *dso);
extern void __assert_fail(const char *expr, const char *file, unsigned line,
                          const char *func) __attribute__((noreturn));

/* ------------------------------------------------------------- exiting */

static void run_atexit(wp_exec *x)
{
    if (x->exiting)
        return;
    x->exiting = true;
    while (x->n_atexit) {
        wp_atexit a = x->atexits[--x->n_atexit];
        if (a.with_arg)
            a.fn(a.arg);
        else
            ((void (*)(void))(void *)a.fn)();
    }
}

/* WEFT_EXIT_OK="6,7": exit statuses that pass besides 0, for programs
 * whose normal exit status is not 0. */
static bool status_passes(int status)
{
    static int ok[16], n_ok = -1;
    if (n_ok < 0) {
        n_ok = 0;
        const char *e = getenv("WEFT_EXIT_OK");
        for (char *end; e && *e && n_ok < 16; e = *end ? end + 1 : end) {
            long v = strtol(e, &end, 10);
            if (end == e)
                break;
            ok[n_ok++] = (int)v & 0xff;
        }
    }
    for (int i = 0; i < n_ok; i++)
        if (ok[i] == status)
            return true;
    return false;
}

void wp_process_exit(wp_exec *x, int status, bool atexit_handlers, uintptr_t pc)
{
    wp_thread *me = wp_self(x);
    wp_point(x, me, WEFT__OP_SYNC, 0);
    if (atexit_handlers)
        run_atexit(x);
    status &= 0xff;
    if (status == 0 || status_passes(status))
        weft__exec_main_done(x->rt, WEFT_OK);
    if (pc)
        wp_fail(WEFT_KIND_FAILURE, pc, "the program called exit(%d)", status);
    wp_fail(WEFT_KIND_FAILURE, 0, "main returned %d", status);
}

void weft_pthread_process_exit(int status)
{
    uintptr_t pc = WP_PC();
    wp_exec *x = wp_exec_get();
    if (!x)
        exit(status);
    wp_process_exit(x, status, true, pc);
}

void weft_pthread_process__exit(int status)
{
    uintptr_t pc = WP_PC();
    wp_exec *x = wp_exec_get();
    if (!x)
        _exit(status);
    wp_process_exit(x, status, false, pc);
}

static int add_atexit(wp_exec *x, void (*fn)(void *), void *arg, bool with_arg)
{
    if (x->n_atexit == x->cap_atexit) {
        uint32_t cap = x->cap_atexit ? x->cap_atexit * 2 : 8;
        wp_atexit *a = weft__alloc(x->rt, cap * sizeof *a);
        if (x->n_atexit)
            memcpy(a, x->atexits, x->n_atexit * sizeof *a);
        x->atexits = a;
        x->cap_atexit = cap;
    }
    x->atexits[x->n_atexit++] = (wp_atexit){fn, arg, with_arg};
    return 0;
}

int weft_pthread_atexit(void (*fn)(void))
{
    wp_exec *x = wp_exec_get();
    if (!x)
        return atexit(fn);
    return add_atexit(x, (void (*)(void *))(void *)fn, NULL, false);
}

int weft__posix___cxa_atexit(void (*fn)(void *), void *arg, void *dso)
{
    wp_exec *x = wp_exec_get();
    if (!x)
        return __cxa_atexit(fn, arg, dso);
    return add_atexit(x, fn, arg, true);
}

void weft__posix_abort(void)
{
    uintptr_t pc = WP_PC();
    if (!wp_exec_get())
        abort();
    wp_fail(WEFT_KIND_CRASH, pc, "the program called abort()");
}

void weft__posix___assert_fail(const char *expr, const char *file, unsigned line,
                             const char *func)
{
    weft__rt *rt = weft__rt_get();
    if (!rt)
        __assert_fail(expr, file, line, func);
    char label[96];
    weft__task_label(rt->cur, label, sizeof label);
    weft__exec_fail(WEFT_KIND_ASSERT, file, (int)line,
                    "assertion failed: %s (in %s, function %s, at %s:%u)", expr, label,
                    func ? func : "?", file, line);
}

void weft__posix___assert_perror_fail(int errnum, const char *file, unsigned line,
                                    const char *func)
{
    char what[128];
    snprintf(what, sizeof what, "unexpected error: %s", strerror(errnum));
    weft__posix___assert_fail(what, file, line, func);
}

void weft__posix___assert(const char *expr, const char *file, int line)
{
    weft__posix___assert_fail(expr, file, (unsigned)line, NULL);
}

/* ------------------------------------------------------------- sleeping */

static void sleep_describe(const weft__task *t, char *buf, size_t len)
{
    (void)t;
    snprintf(buf, len, "(sleeping) until its time comes");
}

static const weft__wait_ops sleep_ops = {"sleep", sleep_describe, NULL};

/* Sleeps on the virtual clock until deadline (a scheduling point when it
 * is already due). */
static void sleep_until(wp_exec *x, weft_time deadline, uintptr_t pc)
{
    wp_thread *me = wp_self(x);
    if (deadline <= x->rt->now) {
        wp_point(x, me, WEFT__OP_YIELD, 0);
        return;
    }
    wp_block(x, me, NULL, &sleep_ops, NULL, 0, deadline, pc);
}

static weft_time after(wp_exec *x, int64_t ns)
{
    return ns > WEFT_FOREVER - x->rt->now ? WEFT_FOREVER : x->rt->now + ns;
}

unsigned weft_pthread_sleep(unsigned seconds)
{
    uintptr_t pc = WP_PC();
    wp_exec *x = wp_exec_get();
    if (!x)
        return sleep(seconds);
    sleep_until(x, after(x, (int64_t)seconds * 1000000000LL), pc);
    return 0;
}

int weft_pthread_usleep(unsigned usec)
{
    uintptr_t pc = WP_PC();
    wp_exec *x = wp_exec_get();
    if (!x)
        return usleep(usec);
    sleep_until(x, after(x, (int64_t)usec * 1000LL), pc);
    return 0;
}

int weft_pthread_nanosleep(const struct timespec *req, struct timespec *rem)
{
    uintptr_t pc = WP_PC();
    wp_exec *x = wp_exec_get();
    if (!x)
        return nanosleep(req, rem);
    if (!req || req->tv_nsec < 0 || req->tv_nsec >= 1000000000L || req->tv_sec < 0) {
        errno = EINVAL;
        return -1;
    }
    int64_t ns = req->tv_sec > INT64_MAX / 1000000000LL - 1
                     ? INT64_MAX
                     : (int64_t)req->tv_sec * 1000000000LL + req->tv_nsec;
    sleep_until(x, after(x, ns), pc);
    if (rem)
        rem->tv_sec = 0, rem->tv_nsec = 0;
    return 0;
}

int weft_pthread_clock_nanosleep(clockid_t clock, int flags, const struct timespec *req,
                                 struct timespec *rem)
{
    uintptr_t pc = WP_PC();
    wp_exec *x = wp_exec_get();
    if (!x)
        return clock_nanosleep(clock, flags, req, rem);
    if (!req || req->tv_nsec < 0 || req->tv_nsec >= 1000000000L)
        return EINVAL;
    weft_time deadline;
    if (flags & TIMER_ABSTIME) {
        if (wp_deadline(clock, req, &deadline) != 0)
            return EINVAL;
    } else {
        if (req->tv_sec < 0)
            return EINVAL;
        deadline = after(x, (int64_t)req->tv_sec * 1000000000LL + req->tv_nsec);
    }
    sleep_until(x, deadline, pc);
    if (rem)
        rem->tv_sec = 0, rem->tv_nsec = 0;
    return 0;
}

/* ------------------------------------------------------------- the clock */

time_t weft_pthread_time(time_t *t)
{
    if (!weft__rt_get())
        return time(t);
    time_t now = (time_t)(REALTIME_BASE_S + weft_now() / 1000000000LL);
    if (t)
        *t = now;
    return now;
}

int weft__posix_gettimeofday(struct timeval *tv, void *tz)
{
    if (!weft__rt_get())
        return gettimeofday(tv, tz);
    if (tv) {
        int64_t ns = weft_now();
        tv->tv_sec = (time_t)(REALTIME_BASE_S + ns / 1000000000LL);
        tv->tv_usec = (suseconds_t)(ns % 1000000000LL / 1000);
    }
    return 0;
}

clock_t weft__posix_clock(void)
{
    if (!weft__rt_get())
        return clock();
    return (clock_t)(weft_now() / (1000000000LL / CLOCKS_PER_SEC));
}

/* ---------------------------------------------------------------- rand */

static int next_rand(wp_exec *x)
{
    x->rand_state = x->rand_state * 6364136223846793005ull + 1442695040888963407ull;
    return (int)((x->rand_state >> 33) & 0x7fffffff);
}

int weft__posix_rand(void)
{
    wp_exec *x = wp_exec_get();
    return x ? next_rand(x) : rand();
}

void weft__posix_srand(unsigned seed)
{
    wp_exec *x = wp_exec_get();
    if (x)
        x->rand_state = seed;
    else
        srand(seed);
}

long weft__posix_random(void)
{
    wp_exec *x = wp_exec_get();
    return x ? next_rand(x) : random();
}

void weft__posix_srandom(unsigned seed)
{
    wp_exec *x = wp_exec_get();
    if (x)
        x->rand_state = seed;
    else
        srandom(seed);
}

/* ------------------------------------------------- the program's state */

/* libc keeps a little state of the program's own outside the program's
 * data: getopt's position and drand48's seed are put back to how a fresh
 * process has them (srand48 with glibc's default seed), and a standard
 * input redirected from a file is rewound, so every execution reads it
 * whole (`./prog explore < input`). */
void wp_program_reset(void)
{
    static bool first = true;
    static off_t stdin_at = -1;
    if (first) {
        struct stat st;
        if (fstat(0, &st) == 0 && S_ISREG(st.st_mode))
            stdin_at = lseek(0, 0, SEEK_CUR);
        first = false;
    } else if (stdin_at >= 0) {
        fseeko(stdin, stdin_at, SEEK_SET);
        clearerr(stdin);
    }
    wp_crash_handlers();
    wp_files_reset();
    wp_heap_snapshot_restore();
    wp_heap_reset();
    optind = 0; /* glibc: start over, as on the first call */
    opterr = 1;
    optopt = '?';
    srand48(0x1234ABCDL);
}

/* weft-cc maps each symbol to its own name (objcopy's rule). */
WEFT_NORETURN void weft__posix__Exit(int status) __attribute__((alias("weft_pthread_process__exit")));
WEFT_NORETURN void weft__posix_quick_exit(int status) __attribute__((alias("weft_pthread_process__exit")));
