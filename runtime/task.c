/*
 * task.c — creating tasks, running them, and what happens when they return.
 *
 * Task ids are handed out in creation order, so they are the same in every
 * run of the same schedule. A task that returns with a scope or a group of
 * its own still open violates structured concurrency and ends the execution.
 */
#include "rt.h"

#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#define WEFT__ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WEFT__ASAN 1
#endif
#endif
#ifdef WEFT__ASAN
#include <sanitizer/asan_interface.h>
#endif

static WEFT_NORETURN void task_entry(void *arg);

static void tasks_grow(weft__rt *rt)
{
    size_t cap = rt->cap_tasks ? rt->cap_tasks * 2 : 64;
    weft__task **a = realloc(rt->tasks, cap * sizeof *a);
    if (!a)
        weft__exec_fail(WEFT_KIND_CRASH, NULL, 0, "out of memory creating a task");
    rt->tasks = a;
    rt->cap_tasks = cap;
}

static const char *copy_name(weft__rt *rt, const char *name)
{
    if (!name)
        return NULL;
    size_t n = strlen(name);
    if (n > 63)
        n = 63;
    char *c = weft__arena_alloc(&rt->arena, n + 1);
    if (!c)
        return NULL;
    memcpy(c, name, n);
    c[n] = '\0';
    return c;
}

weft__task *weft__task_new(weft__rt *rt, weft_task_fn fn, void *arg,
                           const char *name, weft_group *g, weft_scope *parent)
{
    if (rt->n_tasks == rt->cap_tasks)
        tasks_grow(rt);
    weft__task *t = weft__arena_alloc(&rt->arena, sizeof *t);
    if (!t || weft__stack_get(&rt->stacks, &t->stack) != 0)
        weft__exec_fail(WEFT_KIND_CRASH, NULL, 0,
                        "out of memory: cannot create task %zu", rt->n_tasks);
#ifdef WEFT__ASAN
    /* A pooled stack may still carry poison from a task abandoned when its
     * execution ended. */
    ASAN_UNPOISON_MEMORY_REGION(t->stack.lo, t->stack.size);
#endif
    t->id = (uint32_t)rt->n_tasks;
    rt->tasks[rt->n_tasks++] = t;
    rt->live_tasks++;
    t->name = copy_name(rt, name);
    t->fn = fn;
    t->arg = arg;
    t->group = g;
    weft__scope_init(rt, &t->root, parent, t, WEFT_FOREVER, false);
    t->root.is_root = true;
    t->scope = &t->root;
    weft__timer_clear(&t->sleep_timer);
    t->sleep_timer.kind = WEFT__TM_SLEEP;
    if (rt->cur) {
        t->loc_file = rt->cur->loc_file;
        t->loc_line = rt->cur->loc_line;
    }
    weft__fiber_make(&t->fiber, t->stack.lo, t->stack.size, task_entry, t);
    weft__make_runnable(rt, t, WEFT__OP_START, 0);
    WEFT__EMIT(rt, .kind = WEFT__EV_SPAWN, .task = t->id,
               .other = rt->cur ? rt->cur->id : UINT32_MAX, .call = t->name,
               .file = t->loc_file, .line = t->loc_line);
    return t;
}

void weft__task_label(const weft__task *t, char *buf, size_t len)
{
    if (t->name)
        snprintf(buf, len, "task %u '%s'", t->id, t->name);
    else
        snprintf(buf, len, "task %u", t->id);
}

static WEFT_NORETURN void violation(weft__rt *rt, weft__task *t)
{
    char label[96];
    const weft_scope *s = t->scope;
    weft__task_label(t, label, sizeof label);
    (void)rt;
    weft__exec_fail(WEFT_KIND_VIOLATION, s->file, s->line,
                    "structured concurrency violation: %s returned with the %s "
                    "opened at %s:%d still %s",
                    label, s->group ? "task group" : "cancel scope",
                    s->file ? s->file : "?", s->line,
                    s->group ? "un-joined" : "open");
}

static WEFT_NORETURN void finish(weft__rt *rt, weft__task *t, int rc)
{
    if (t->scope != &t->root)
        violation(rt, t);
    t->result = rc;
    WEFT__EMIT(rt, .kind = WEFT__EV_DONE, .task = t->id, .status = rc);
    if (t->id == 0)
        weft__exec_main_done(rt, rc);
    t->state = WEFT__T_DONE;
    rt->live_tasks--;
    weft__group_child_done(rt, t);
    weft__exit_task(rt);
}

static void task_entry(void *arg)
{
    weft__task *t = arg;
    weft__rt *rt = weft__cur_rt;
    weft__after_switch(rt);
    finish(rt, t, t->fn(t->arg));
}

/* ------------------------------------------------------------ public API */

int weft_task_id(void)
{
    weft__rt *rt = weft__rt_get();
    return rt ? (int)rt->cur->id : -1;
}

const char *weft_task_name(void)
{
    weft__rt *rt = weft__rt_get();
    if (!rt)
        return NULL;
    return rt->cur->name ? rt->cur->name : (rt->cur->id == 0 ? "main" : "");
}

void weft__set_location(const char *file, int line)
{
    weft__rt *rt = weft__rt_get();
    if (rt && file) {
        rt->cur->loc_file = file;
        rt->cur->loc_line = line;
    }
}
