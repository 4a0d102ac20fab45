/*
 * exec.c — one execution from start to end: setting up the main task,
 * ending at once on a failure, and releasing everything afterwards.
 *
 * An execution ends by switching back to the harness's own stack
 * (rt->main_fiber); tasks still parked are simply abandoned, and their
 * stacks and every object of the execution are returned to the pools. So a
 * failure can end the run from any depth of any task, and the next
 * execution starts from the same state as the first.
 */
#include "rt.h"

#include <string.h>

#define WEFT__CLOCK_START WEFT_SEC(100)

static _Thread_local uint64_t serial; /* executions started on this thread */

void weft__panic(const char *file, int line, const char *what)
{
    fprintf(stderr, "weft: internal error at %s:%d: %s\n", file, line, what);
    abort();
}

weft__rt *weft__need_rt(const char *fn)
{
    weft__rt *rt = weft__rt_get();
    if (!rt) {
        fprintf(stderr, "weft: %s called outside a weft execution "
                        "(run the code under weft_check or as a WEFT_TEST)\n", fn);
        abort();
    }
    return rt;
}

static WEFT_NORETURN void end_execution(weft__rt *rt)
{
    weft__task *t = rt->cur;
    t->state = WEFT__T_DONE;
    weft__fiber_switch_final(&t->fiber, &rt->main_fiber);
}

void weft__exec_failv(int kind, const char *file, int line, const char *fmt,
                      va_list ap)
{
    weft__rt *rt = weft__cur_rt;
    weft__outcome *out = rt->out;
    out->kind = kind;
    vsnprintf(out->message, sizeof out->message, fmt, ap);
    if (file)
        snprintf(out->location, sizeof out->location, "%s:%d", file, line);
    else
        out->location[0] = '\0';
    end_execution(rt);
}

void weft__exec_fail(int kind, const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    weft__exec_failv(kind, file, line, fmt, ap);
}

void weft__misuse(const char *fmt, ...)
{
    weft__rt *rt = weft__cur_rt;
    weft__task *t = rt->cur;
    char what[1024], label[96];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    weft__task_label(t, label, sizeof label);
    weft__exec_fail(WEFT_KIND_MISUSE, t->loc_file, t->loc_line, "misuse in %s at %s:%d: %s",
                    label, t->loc_file ? t->loc_file : "?", t->loc_line, what);
}

void weft__exec_main_done(weft__rt *rt, int rc)
{
    rt->out->status = rc;
    if (rc != WEFT_OK && rc != WEFT_CANCELLED) {
        const char *name = weft_status_name(rc);
        weft__exec_fail(WEFT_KIND_FAILURE, NULL, 0,
                        "the test returned %d (%s)", rc, name ? name : "a task failure code");
    }
    end_execution(rt);
}

static int prepare(weft__rt *rt, const weft__exec_params *p)
{
    size_t ss = p->stack_size ? p->stack_size : 256 * 1024;
    if (rt->pool_ready && rt->pool_stack_size != ss) {
        weft__stack_pool_destroy(&rt->stacks);
        rt->pool_ready = false;
    }
    if (!rt->pool_ready) {
        weft__stack_pool_init(&rt->stacks, ss);
        rt->pool_stack_size = ss;
        rt->pool_ready = true;
    }
    rt->p = *p;
    rt->cur = NULL;
    rt->n_tasks = 0;
    rt->live_tasks = 0;
    rt->rq.n = 0;
    weft__timers_reset(&rt->timers);
    rt->now = WEFT__CLOCK_START;
    rt->step = 0;
    rt->next_obj = 1;
    rt->zombie = NULL;
    rt->idle_waiters = (weft__waitq){0};
    rt->cancel_cause = WEFT__CAUSE_EXPLICIT;
    rt->in_clock = false;
    return 0;
}

static void cleanup(weft__rt *rt)
{
    for (size_t i = 0; i < rt->n_tasks; i++) {
        weft__task *t = rt->tasks[i];
        if (t->stack.lo) {
            weft__stack_put(&rt->stacks, &t->stack);
            t->stack.lo = NULL;
        }
    }
    rt->n_tasks = 0;
    rt->rq.n = 0;
    weft__timers_reset(&rt->timers);
    weft__arena_rewind(&rt->arena);
    rt->active = false;
    rt->cur = NULL;
    rt->zombie = NULL;
}

static weft__rt *thread_rt(void)
{
    if (!weft__cur_rt) {
        weft__rt *rt = calloc(1, sizeof *rt);
        if (!rt)
            return NULL;
        weft__arena_init(&rt->arena);
        weft__timers_init(&rt->timers);
        weft__cur_rt = rt;
    }
    return weft__cur_rt;
}

int weft__exec_run(const weft__exec_params *p, weft__outcome *out)
{
    memset(out, 0, offsetof(weft__outcome, message) + 1);
    weft__rt *rt = thread_rt();
    if (!rt || rt->active) {
        snprintf(out->message, sizeof out->message, rt ? "weft: executions cannot nest"
                                                       : "weft: out of memory");
        out->kind = WEFT_KIND_CRASH;
        return -1;
    }
    prepare(rt, p);
    serial++;
    rt->out = out;
    rt->active = true;
    weft__fiber_init_main(&rt->main_fiber);
    weft__task *t0 = weft__task_new(rt, p->main, p->arg, "main", NULL, NULL);
    rt->rq.n = 0; /* the main task runs first, without a decision */
    t0->state = WEFT__T_RUNNING;
    rt->cur = t0;
    weft__fiber_switch(&rt->main_fiber, &t0->fiber);
    out->steps = rt->step;
    cleanup(rt);
    return 0;
}

bool weft__in_execution(void)
{
    return weft__rt_get() != NULL;
}

uint64_t weft__exec_serial(void)
{
    return serial;
}

void weft__task_stack_bounds(uintptr_t *lo, uintptr_t *hi)
{
    weft__rt *rt = weft__need_rt("weft__task_stack_bounds");
    *lo = (uintptr_t)rt->cur->stack.lo;
    *hi = *lo + rt->cur->stack.size;
}

void weft__sched_point(uint16_t op, uint32_t obj, const char *file, int line)
{
    weft__rt *rt = weft__need_rt("weft__sched_point");
    weft__set_location(file, line);
    weft__schedule_point(rt, op, obj);
}

void weft__rt_release(void)
{
    weft__rt *rt = weft__cur_rt;
    if (!rt || rt->active)
        return;
    if (rt->pool_ready)
        weft__stack_pool_destroy(&rt->stacks);
    weft__arena_destroy(&rt->arena);
    weft__timers_free(&rt->timers);
    free(rt->tasks);
    free(rt->rq.q);
    free(rt);
    weft__cur_rt = NULL;
}
