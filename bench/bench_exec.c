/*
 * bench_exec.c — whole executions per second through weft_check, beside the
 * same program on the ucontext build of the library and beside a minimal
 * controlled scheduler on real threads; the primitives; and memory over a
 * million executions.
 *
 * PUBLIC API ONLY: this one source is linked twice, into bench_exec (against
 * `weft`, the assembly context switch) and bench_exec_uc (against `weft_uc`,
 * the same sources built with WEFT_FIBER_UCONTEXT=1); BENCH_VARIANT names
 * the build.
 *
 *   bench_exec            every measurement of this build, the thread
 *                         baseline, and the ucontext build's numbers (run
 *                         as a subprocess: bench_exec_uc --raw, found next
 *                         to this program or given with --uc PATH); prints
 *                         table rows, ratios and target lines
 *   bench_exec --raw      this build's measurements only, as `key value`
 *   bench_exec --rss      VmRSS after 10,000 and 1,000,000 executions of
 *                         2x10: first 100 weft_check calls of 10,000 (read
 *                         between calls), then one weft_check of 1,000,000
 *                         (read by the test itself in its 10,000th and
 *                         1,000,000th execution)
 *
 * Programs (weft_check, random strategy, seeds 0..K-1; both builds run the
 * same seeds, hence the same schedules):
 *  - spin TxN: a main task spawns T tasks that each call weft_checkpoint()
 *    N times, and joins them. 2x10 and 8x100.
 *  - stream: two tasks move STREAM_ITEMS items over a rendezvous stream
 *    (weft_stream_open(0, ...)); the receiver checks their order. items/s.
 *  - lock: LOCK_TASKS tasks each take a weft_lock LOCK_ROUNDS times with a
 *    checkpoint inside (asserting mutual exclusion). acquire/release pairs/s.
 * Each rate is the best of 5 timed runs of K executions, K calibrated so a
 * run lasts about RUN_SECONDS (CLOCK_MONOTONIC around weft_check).
 *
 * The thread baseline (how pthread-level systematic testers such as
 * SCTBench's tools or PERIOD run a program): each task is a pthread, exactly
 * one holds the baton at a time; at every "checkpoint" the holder draws the
 * next holder uniformly from the live tasks (seeded xorshift), hands the
 * baton over through one mutex and a condition variable per thread, and
 * waits for it to come back. Drawing itself means no switch, as in weft.
 * Each execution creates and joins its threads.
 *
 * Targets (8x100 only): asm >= 5x ucontext, asm >= 50x threads. RSS after a
 * million executions <= 1.05x RSS after ten thousand.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* readlink, popen under -std=c11 */
#endif
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <weft/weft.h>

#ifndef BENCH_VARIANT
#define BENCH_VARIANT "asm"
#endif

#define RUNS 5
#define RUN_SECONDS 0.25
#define STREAM_ITEMS 2000
#define LOCK_TASKS 4
#define LOCK_ROUNDS 500
#define RSS_CHUNK 10000u
#define RSS_TOTAL 1000000u
#define TARGET_UC 5.0
#define TARGET_THREADS 50.0
#define TARGET_RSS 1.05

static char uc_path[PATH_MAX + 32]; /* the ucontext build (--uc) */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what)
{
    fprintf(stderr, "bench_exec (%s): %s\n", BENCH_VARIANT, what);
    exit(1);
}

/* ------------------------------------------------------------ programs */

typedef struct spin_cfg {
    int tasks;
    long checkpoints;
} spin_cfg;

static int spinner(void *arg)
{
    const spin_cfg *c = arg;
    for (long i = 0; i < c->checkpoints; i++)
        weft_checkpoint();
    return WEFT_OK;
}

static int spin_main(void *arg)
{
    const spin_cfg *c = arg;
    weft_group *g = weft_group_open();
    for (int i = 0; i < c->tasks; i++)
        weft_spawn(g, spinner, arg, NULL);
    return weft_group_join(g);
}

static int stream_sender(void *arg)
{
    weft_sender *tx = arg;
    for (uintptr_t i = 0; i < STREAM_ITEMS; i++)
        if (weft_send(tx, (void *)i) != WEFT_OK)
            return 100;
    weft_sender_close(tx);
    return WEFT_OK;
}

static int stream_receiver(void *arg)
{
    weft_receiver *rx = arg;
    for (uintptr_t i = 0; i < STREAM_ITEMS; i++) {
        void *item;
        if (weft_recv(rx, &item) != WEFT_OK)
            return 101;
        WEFT_ASSERT((uintptr_t)item == i);
    }
    return WEFT_OK;
}

static int stream_main(void *arg)
{
    (void)arg;
    weft_sender *tx;
    weft_receiver *rx;
    if (weft_stream_open(0, &tx, &rx) != WEFT_OK)
        return 102;
    weft_group *g = weft_group_open();
    weft_spawn(g, stream_sender, tx, "tx");
    weft_spawn(g, stream_receiver, rx, "rx");
    return weft_group_join(g);
}

static struct {
    weft_lock *lock;
    int inside;
    long taken;
} lk;

static int locker(void *arg)
{
    (void)arg;
    for (int i = 0; i < LOCK_ROUNDS; i++) {
        if (weft_lock_acquire(lk.lock) != WEFT_OK)
            return 103;
        WEFT_ASSERT(!lk.inside);
        lk.inside = 1;
        weft_checkpoint();
        lk.inside = 0;
        lk.taken++;
        weft_lock_release(lk.lock);
    }
    return WEFT_OK;
}

static int lock_main(void *arg)
{
    (void)arg;
    lk.lock = weft_lock_new();
    lk.inside = 0;
    lk.taken = 0;
    weft_group *g = weft_group_open();
    for (int i = 0; i < LOCK_TASKS; i++)
        weft_spawn(g, locker, NULL, NULL);
    int rc = weft_group_join(g);
    WEFT_ASSERT(lk.taken == (long)LOCK_TASKS * LOCK_ROUNDS);
    return rc;
}

/* -------------------------------------------------------------- timing */

/* One campaign of k executions (seeds 0..k-1); its wall time in seconds. */
static double campaign(const char *name, weft_task_fn fn, void *arg, uint64_t k)
{
    weft_options opt = WEFT_OPTIONS_INIT;
    weft_report rep;
    opt.iterations = k;
    opt.quiet = true;
    double t0 = now_s();
    int rc = weft_check(name, fn, arg, &opt, &rep);
    double dt = now_s() - t0;
    if (rc != 0 || rep.executions != k) {
        fprintf(stderr, "bench_exec (%s): %s: weft_check returned %d after %llu of %llu "
                        "executions%s%s\n",
                BENCH_VARIANT, name, rc, (unsigned long long)rep.executions,
                (unsigned long long)k, rep.n_failures ? ": " : "",
                rep.n_failures ? rep.failures[0].message : "");
        exit(1);
    }
    weft_report_free(&rep);
    return dt;
}

/* Runs per second of one measured thing: calibrates k so a run lasts about
 * RUN_SECONDS, then returns the best rate of RUNS runs. */
typedef double (*timed_fn)(void *ctx, uint64_t k); /* seconds for k runs */

static double best_rate(timed_fn f, void *ctx)
{
    uint64_t k = 1;
    double dt;
    while ((dt = f(ctx, k)) < RUN_SECONDS / 8 && k < ((uint64_t)1 << 40))
        k *= 2;
    k = (uint64_t)((double)k * RUN_SECONDS / (dt > 0 ? dt : 1e-9));
    if (k < 1)
        k = 1;
    double best = 0;
    for (int r = 0; r < RUNS; r++) {
        double rate = (double)k / f(ctx, k);
        if (rate > best)
            best = rate;
    }
    return best;
}

typedef struct weft_prog {
    const char *name;
    weft_task_fn fn;
    void *arg;
} weft_prog;

static double time_weft(void *ctx, uint64_t k)
{
    const weft_prog *p = ctx;
    return campaign(p->name, p->fn, p->arg, k);
}

/* ------------------------------------------------ the thread baseline */

#define TB_MAX 64

typedef struct tb_exec {
    pthread_mutex_t m;
    pthread_cond_t cv[TB_MAX];
    int turn;             /* who holds the baton; -1: nobody yet */
    int live[TB_MAX];     /* tasks not finished, in no particular order */
    int nlive;
    uint64_t rng;         /* xorshift64 state, never 0 */
    long checkpoints;
} tb_exec;

typedef struct tb_arg {
    tb_exec *x;
    int id;
} tb_arg;

static int tb_draw(tb_exec *x)
{
    x->rng ^= x->rng << 13;
    x->rng ^= x->rng >> 7;
    x->rng ^= x->rng << 17;
    return x->live[(x->rng >> 32) % (uint64_t)x->nlive];
}

/* Holding m: waits until the baton is ours. */
static void tb_wait_turn(tb_exec *x, int me)
{
    while (x->turn != me)
        pthread_cond_wait(&x->cv[me], &x->m);
}

static void tb_give(tb_exec *x, int to)
{
    x->turn = to;
    pthread_cond_signal(&x->cv[to]);
}

static void *tb_task(void *p)
{
    const tb_arg *a = p;
    tb_exec *x = a->x;
    int me = a->id;
    pthread_mutex_lock(&x->m);
    tb_wait_turn(x, me);
    for (long i = 0; i < x->checkpoints; i++) {
        int next = tb_draw(x); /* the checkpoint: who runs next? */
        if (next != me) {
            tb_give(x, next);
            tb_wait_turn(x, me);
        }
    }
    for (int i = 0; i < x->nlive; i++)
        if (x->live[i] == me) {
            x->live[i] = x->live[--x->nlive];
            break;
        }
    if (x->nlive)
        tb_give(x, tb_draw(x));
    else
        x->turn = -1;
    pthread_mutex_unlock(&x->m);
    return NULL;
}

typedef struct tb_prog {
    int tasks;
    long checkpoints;
    uint64_t seed;
    tb_exec x;
} tb_prog;

static void tb_run_one(tb_prog *p)
{
    tb_exec *x = &p->x;
    pthread_t th[TB_MAX];
    tb_arg args[TB_MAX];
    x->turn = -1;
    x->nlive = p->tasks;
    x->checkpoints = p->checkpoints;
    x->rng = ++p->seed * 0x9e3779b97f4a7c15ull | 1;
    for (int i = 0; i < p->tasks; i++) {
        x->live[i] = i;
        args[i] = (tb_arg){x, i};
        if (pthread_create(&th[i], NULL, tb_task, &args[i]) != 0)
            die("pthread_create failed");
    }
    pthread_mutex_lock(&x->m);
    tb_give(x, tb_draw(x));
    pthread_mutex_unlock(&x->m);
    for (int i = 0; i < p->tasks; i++)
        pthread_join(th[i], NULL);
    if (x->nlive != 0)
        die("thread baseline: a task did not finish");
}

static double time_threads(void *ctx, uint64_t k)
{
    tb_prog *p = ctx;
    double t0 = now_s();
    for (uint64_t i = 0; i < k; i++)
        tb_run_one(p);
    return now_s() - t0;
}

static double threads_rate(int tasks, long checkpoints)
{
    static tb_prog p; /* reused: the mutex and condition variables live here */
    static int ready;
    if (!ready) {
        pthread_mutex_init(&p.x.m, NULL);
        for (int i = 0; i < TB_MAX; i++)
            pthread_cond_init(&p.x.cv[i], NULL);
        ready = 1;
    }
    p.tasks = tasks;
    p.checkpoints = checkpoints;
    p.seed = 0;
    return best_rate(time_threads, &p);
}

/* ------------------------------------------------------- measurements */

enum { M_SPIN2, M_SPIN8, M_STREAM, M_LOCK, M_N };

static const char *const m_key[M_N] = {"exec_2x10", "exec_8x100", "stream_items",
                                       "lock_ops"};
static spin_cfg spin2 = {2, 10}, spin8 = {8, 100};

/* Fills r[] with this build's rates: executions/s for the spin tests,
 * operations/s for the primitives. */
static void measure(double r[M_N])
{
    weft_prog progs[M_N] = {
        {"spin_2x10", spin_main, &spin2},
        {"spin_8x100", spin_main, &spin8},
        {"stream", stream_main, NULL},
        {"lock", lock_main, NULL},
    };
    const double per_exec[M_N] = {1, 1, STREAM_ITEMS, (double)LOCK_TASKS * LOCK_ROUNDS};
    for (int i = 0; i < M_N; i++)
        r[i] = best_rate(time_weft, &progs[i]) * per_exec[i];
}

/* Runs the ucontext build with --raw and reads its rates; 0 on success. */
static int measure_uc(const char *path, double r[M_N])
{
    char cmd[sizeof uc_path + 16];
    snprintf(cmd, sizeof cmd, "'%s' --raw", path);
    FILE *f = popen(cmd, "r");
    if (!f)
        return -1;
    char line[256], key[64];
    double v;
    int found = 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "%63s %lf", key, &v) == 2)
            for (int i = 0; i < M_N; i++)
                if (strcmp(key, m_key[i]) == 0) {
                    r[i] = v;
                    found |= 1 << i;
                }
    int st = pclose(f);
    return st == 0 && found == (1 << M_N) - 1 ? 0 : -1;
}

/* Sets uc_path to the ucontext build next to this program. */
static void default_uc_path(void)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    char *slash = NULL;
    if (n > 0) {
        self[n] = '\0';
        slash = strrchr(self, '/');
    }
    if (slash)
        slash[1] = '\0';
    snprintf(uc_path, sizeof uc_path, "%sbench_exec_uc", slash ? self : "");
}

static void row(const char *what, double value, const char *unit, const char *base,
                double ratio)
{
    if (ratio > 0)
        printf("%-40s %12.0f %-10s %-22s %7.2fx\n", what, value, unit, base, ratio);
    else
        printf("%-40s %12.0f %s\n", what, value, unit);
}

static void target(const char *what, double ratio, double want, int at_least)
{
    int met = at_least ? ratio >= want : ratio <= want;
    printf("target: %s %s %.2fx: %.2fx %s\n", what, at_least ? ">=" : "<=", want, ratio,
           met ? "met" : "NOT met");
}

static int run_all(const char *uc)
{
    double a[M_N], u[M_N];
    measure(a);
    int have_uc = measure_uc(uc, u) == 0;
    if (!have_uc)
        fprintf(stderr, "bench_exec: could not run the ucontext build '%s'\n", uc);
    double t2 = threads_rate(2, 10);
    double t8 = threads_rate(8, 100);

    const char *titles[M_N] = {"executions/s, 2 tasks x 10 checkpoints",
                               "executions/s, 8 tasks x 100 checkpoints",
                               "rendezvous stream, 2 tasks",
                               "contended lock, 4 tasks"};
    const char *units[M_N] = {"exec/s", "exec/s", "items/s", "locks/s"};
    double thr[M_N] = {t2, t8, 0, 0};
    char line[96];
    for (int i = 0; i < M_N; i++) {
        printf("%s\n", titles[i]);
        snprintf(line, sizeof line, "  weft (%s)", BENCH_VARIANT);
        row(line, a[i], units[i], "", 0);
        if (have_uc)
            row("  weft (ucontext)", u[i], units[i], "asm / ucontext", a[i] / u[i]);
        if (thr[i] > 0)
            row("  pthreads + condvar baton", thr[i], units[i], "asm / threads",
                a[i] / thr[i]);
    }
    if (have_uc)
        target("8x100 asm vs ucontext", a[M_SPIN8] / u[M_SPIN8], TARGET_UC, 1);
    else
        printf("target: 8x100 asm vs ucontext >= %.2fx: not measured (NOT met)\n", TARGET_UC);
    target("8x100 asm vs threads", a[M_SPIN8] / t8, TARGET_THREADS, 1);
    return have_uc ? 0 : 1;
}

/* ----------------------------------------------------------------- rss */

static long status_kib(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    char buf[256];
    size_t n = strlen(field);
    long v = -1;
    if (!f)
        return -1;
    while (fgets(buf, sizeof buf, f))
        if (strncmp(buf, field, n) == 0 && buf[n] == ':') {
            v = strtol(buf + n + 1, NULL, 10);
            break;
        }
    fclose(f);
    return v;
}

/* One campaign: the program itself reads VmRSS in its RSS_CHUNK-th and
 * RSS_TOTAL-th execution (the test body runs once per execution). */
static struct {
    unsigned long execs;
    long at_first, at_last;
} probe;

static int spin_probe_main(void *arg)
{
    unsigned long n = ++probe.execs;
    if (n == RSS_CHUNK)
        probe.at_first = status_kib("VmRSS");
    else if (n == RSS_TOTAL)
        probe.at_last = status_kib("VmRSS");
    return spin_main(arg);
}

static int run_rss(void)
{
    weft_options opt = WEFT_OPTIONS_INIT;
    opt.quiet = true;

    /* First, in a fresh process: a hundred weft_check calls of ten
     * thousand executions (seeds continuing), VmRSS read between calls. */
    opt.iterations = RSS_CHUNK;
    long rss_10k = 0, rss_20k = 0;
    double t0 = now_s();
    for (unsigned done = 0; done < RSS_TOTAL; done += RSS_CHUNK) {
        opt.seed = done;
        if (weft_check("spin_2x10", spin_main, &spin2, &opt, NULL) != 0)
            die("rss: the 2x10 test failed");
        if (done == 0)
            rss_10k = status_kib("VmRSS");
        else if (done == RSS_CHUNK)
            rss_20k = status_kib("VmRSS");
    }
    double dt2 = now_s() - t0;
    long rss_1m = status_kib("VmRSS");
    if (rss_10k <= 0 || rss_20k <= 0 || rss_1m <= 0)
        die("rss: cannot read VmRSS from /proc/self/status");
    double g2 = (double)rss_1m / (double)rss_10k;

    /* Then one weft_check of a million executions; the program reads VmRSS
     * itself in its 10,000th and 1,000,000th execution. */
    opt.iterations = RSS_TOTAL;
    opt.seed = 0;
    t0 = now_s();
    if (weft_check("spin_2x10", spin_probe_main, &spin2, &opt, NULL) != 0)
        die("rss: the 2x10 test failed");
    double dt1 = now_s() - t0;
    if (probe.at_first <= 0 || probe.at_last <= 0)
        die("rss: cannot read VmRSS from /proc/self/status");
    double g1 = (double)probe.at_last / (double)probe.at_first;
    long hwm = status_kib("VmHWM");

    printf("100 weft_check calls of 10,000 executions of 2x10 (%.2f s, %.0f exec/s)\n", dt2,
           RSS_TOTAL / dt2);
    printf("%-40s %12ld KiB\n", "  VmRSS after call 1 (10,000 execs)", rss_10k);
    printf("%-40s %12ld %-10s %-22s %7.3fx\n", "  VmRSS after call 2 (20,000 execs)",
           rss_20k, "KiB", "vs call 1", (double)rss_20k / (double)rss_10k);
    printf("%-40s %12ld %-10s %-22s %7.3fx\n", "  VmRSS after call 100 (1,000,000)",
           rss_1m, "KiB", "vs call 1", g2);
    printf("%-40s %12s %-10s %-22s %7.3fx\n", "", "", "", "vs call 2",
           (double)rss_1m / (double)rss_20k);
    printf("one weft_check of 1,000,000 executions of 2x10 (%.2f s, %.0f exec/s)\n", dt1,
           RSS_TOTAL / dt1);
    printf("%-40s %12ld KiB\n", "  VmRSS in execution 10,000", probe.at_first);
    printf("%-40s %12ld %-10s %-22s %7.3fx\n", "  VmRSS in execution 1,000,000",
           probe.at_last, "KiB", "vs execution 10,000", g1);
    printf("%-40s %12ld KiB\n", "  VmHWM (peak of the process)", hwm);
    target("RSS 1,000,000 vs 10,000 executions, 100 calls", g2, TARGET_RSS, 0);
    target("RSS 1,000,000 vs 10,000 executions, one campaign", g1, TARGET_RSS, 0);
    return 0;
}

/* ---------------------------------------------------------------- main */

int main(int argc, char **argv)
{
    int raw = 0, rss = 0;
    default_uc_path();
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--raw") == 0) {
            raw = 1;
        } else if (strcmp(argv[i], "--rss") == 0) {
            rss = 1;
        } else if (strcmp(argv[i], "--uc") == 0 && i + 1 < argc) {
            snprintf(uc_path, sizeof uc_path, "%s", argv[++i]);
        } else {
            fprintf(stderr, "usage: %s [--raw | --rss | --uc PATH]\n", argv[0]);
            return 2;
        }
    }
    if (rss)
        return run_rss();
    if (raw) {
        double r[M_N];
        measure(r);
        printf("variant %s\n", BENCH_VARIANT);
        for (int i = 0; i < M_N; i++)
            printf("%s %.1f\n", m_key[i], r[i]);
        return 0;
    }
    return run_all(uc_path);
}
