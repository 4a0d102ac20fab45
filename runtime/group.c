/*
 * group.c — task groups (nurseries): spawn, start/started, cancel, join.
 *
 * A group owns a cancel scope that the host opens with it: the host's body
 * and every child run inside it. A child that fails (returns a code other
 * than WEFT_OK and WEFT_CANCELLED) has its code kept and cancels that scope,
 * so its siblings and the host's body unwind; join waits for every child in
 * an uncancellable wait and then reports the first failure, or a
 * cancellation from outside the group, or success.
 *
 * A child started with weft_start runs under the starter's scopes until it
 * calls weft_started: then its root scope is re-parented under the group's
 * scope (Trio moves the task to the target nursery the same way).
 */
#include "rt.h"

#include <string.h>

static void describe_children(const weft__task *host, const weft_group *g,
                              char *buf, size_t len)
{
    weft__rt *rt = weft__cur_rt;
    size_t off = (size_t)snprintf(buf, len, "for the group opened at %s:%d (%u running:",
                                  g->file ? g->file : "?", g->line, g->live);
    (void)host;
    for (size_t i = 0; i < rt->n_tasks && off < len; i++) {
        const weft__task *c = rt->tasks[i];
        if (c->group != g || c->state == WEFT__T_DONE)
            continue;
        char label[96];
        weft__task_label(c, label, sizeof label);
        off += (size_t)snprintf(buf + off, len - off, " %s", label);
    }
    if (off < len)
        snprintf(buf + off, len - off, ")");
}

static void join_describe(const weft__task *t, char *buf, size_t len)
{
    describe_children(t, t->wait_on, buf, len);
}

static void start_describe(const weft__task *t, char *buf, size_t len)
{
    const weft__task *child = t->wait_on;
    char label[96];
    weft__task_label(child, label, sizeof label);
    snprintf(buf, len, "for %s to call weft_started", label);
}

static const weft__wait_ops join_ops = {"weft_group_join", join_describe, NULL};
static const weft__wait_ops start_ops = {"weft_start", start_describe, NULL};

static void add_failure(weft__rt *rt, weft_group *g, int rc)
{
    if (g->n_failures == g->cap_failures) {
        size_t cap = g->cap_failures ? g->cap_failures * 2 : 4;
        int *f = weft__arena_alloc(&rt->arena, cap * sizeof *f);
        if (!f)
            weft__exec_fail(WEFT_KIND_CRASH, NULL, 0, "out of memory");
        if (g->n_failures)
            memcpy(f, g->failures, g->n_failures * sizeof *f);
        g->failures = f;
        g->cap_failures = cap;
    }
    g->failures[g->n_failures++] = rc;
}

void weft__group_child_done(weft__rt *rt, weft__task *t)
{
    weft_group *g = t->group;
    int rc = t->result;
    g->live--;
    if (t->starter) {
        weft__task *starter = t->starter;
        t->starter = NULL;
        if (rc == WEFT_OK) {
            char label[96];
            weft__task_label(t, label, sizeof label);
            weft__exec_fail(WEFT_KIND_MISUSE, starter->wait_file, starter->wait_line,
                            "misuse: %s, started with weft_start, returned WEFT_OK "
                            "without calling weft_started", label);
        }
        weft__wake(rt, starter, rc, WEFT__OP_WAKE);
    } else if (rc != WEFT_OK && rc != WEFT_CANCELLED) {
        add_failure(rt, g, rc);
        rt->cancel_cause = WEFT__CAUSE_FAILURE;
        weft__scope_cancel(rt, &g->scope);
    }
    if (g->live == 0 && g->joining && g->host->state == WEFT__T_BLOCKED &&
        g->host->wait == &join_ops)
        weft__wake(rt, g->host, WEFT_OK, WEFT__OP_JOIN);
}

/* ------------------------------------------------------------ public API */

weft_group *(weft_group_open)(void)
{
    weft__rt *rt = weft__need_rt("weft_group_open");
    weft__task *t = rt->cur;
    weft_group *g = weft__arena_alloc(&rt->arena, sizeof *g);
    if (!g)
        weft__exec_fail(WEFT_KIND_CRASH, NULL, 0, "out of memory opening a group");
    g->obj = rt->next_obj++;
    g->host = t;
    g->file = t->loc_file;
    g->line = t->loc_line;
    weft__scope_init(rt, &g->scope, t->scope, t, WEFT_FOREVER, false);
    g->scope.group = g;
    g->scope.file = g->file;
    g->scope.line = g->line;
    t->scope = &g->scope;
    return g;
}

static void check_open(const weft_group *g, const char *fn)
{
    if (!g)
        weft__misuse("%s: NULL task group", fn);
    if (g->joined)
        weft__misuse("%s: the task group opened at %s:%d is already joined",
                     fn, g->file ? g->file : "?", g->line);
}

int (weft_spawn)(weft_group *g, weft_task_fn fn, void *arg, const char *name)
{
    weft__rt *rt = weft__need_rt("weft_spawn");
    check_open(g, "weft_spawn");
    if (!fn)
        weft__misuse("weft_spawn: NULL task function");
    weft__task_new(rt, fn, arg, name, g, &g->scope);
    g->live++;
    return WEFT_OK;
}

int weft__start_at(weft_group *g, weft_task_fn fn, void *arg, const char *name,
                   void **started_value, const char *file, int line)
{
    weft__rt *rt = weft__need_rt("weft_start");
    weft__set_location(file, line);
    check_open(g, "weft_start");
    if (!fn)
        weft__misuse("weft_start: NULL task function");
    weft__task *t = rt->cur;
    weft__task *child = weft__task_new(rt, fn, arg, name, g, t->scope);
    child->starter = t;
    g->live++;
    int rc = weft__block(rt, &start_ops, child, g->obj, false);
    if (rc == WEFT_OK) {
        if (started_value)
            *started_value = child->started_value;
        return WEFT_OK;
    }
    if (rc == WEFT_CANCELLED)
        weft__cancel_point(rt, t); /* mark the catcher if we are cancelled */
    return rc;
}

int (weft_start)(weft_group *g, weft_task_fn fn, void *arg, const char *name,
                 void **started_value)
{
    return weft__start_at(g, fn, arg, name, started_value, NULL, 0);
}

void weft_started(void *value)
{
    weft__rt *rt = weft__need_rt("weft_started");
    weft__task *t = rt->cur;
    if (t->started_called)
        weft__misuse("weft_started called twice");
    if (!t->starter)
        return; /* spawned, not started: nothing to signal */
    weft__task *starter = t->starter;
    t->started_called = true;
    t->started_value = value;
    t->starter = NULL;
    t->root.parent = &t->group->scope;
    weft__wake(rt, starter, WEFT_OK, WEFT__OP_WAKE);
}

void weft_group_cancel(weft_group *g)
{
    weft__rt *rt = weft__need_rt("weft_group_cancel");
    if (!g)
        weft__misuse("weft_group_cancel: NULL task group");
    weft__scope_cancel(rt, &g->scope);
}

bool weft_group_cancel_called(const weft_group *g)
{
    return g && g->scope.cancel_called;
}

size_t weft_group_failures(const weft_group *g, int *codes, size_t max)
{
    if (!g)
        return 0;
    for (size_t i = 0; i < g->n_failures && i < max && codes; i++)
        codes[i] = g->failures[i];
    return g->n_failures;
}

int weft__group_join_at(weft_group *g, const char *file, int line)
{
    weft__rt *rt = weft__need_rt("weft_group_join");
    weft__set_location(file, line);
    weft__task *t = rt->cur;
    check_open(g, "weft_group_join");
    if (g->host != t)
        weft__misuse("weft_group_join: the task group opened at %s:%d is joined "
                     "from a task other than its host", g->file ? g->file : "?", g->line);
    if (t->scope != &g->scope) {
        const weft_scope *in = t->scope;
        weft__misuse("weft_group_join: the %s opened at %s:%d in the group's body "
                     "is still open", in->group ? "task group" : "cancel scope",
                     in->file ? in->file : "?", in->line);
    }
    g->joining = true;
    if (g->live == 0)
        weft__schedule_point(rt, WEFT__OP_JOIN, g->obj); /* always a checkpoint */
    while (g->live > 0)
        weft__block(rt, &join_ops, g, g->obj, false);
    g->joining = false;
    g->joined = true;
    g->scope.closed = true;
    t->scope = g->scope.parent;
    weft__scope_catch(t, &g->scope); /* the group's own cancel is absorbed */
    if (g->n_failures)
        return g->failures[0];
    return weft__cancel_point(rt, t); /* a cancellation from outside */
}

int (weft_group_join)(weft_group *g)
{
    return weft__group_join_at(g, NULL, 0);
}
