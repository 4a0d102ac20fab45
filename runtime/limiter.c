/*
 * limiter.c — CapacityLimiter (AnyIO/Trio): a pool of tokens, one per
 * borrower.
 *
 * A borrower is any pointer (the current task for weft_limiter_acquire); it
 * is compared for identity only, never ordered or hashed, so it cannot
 * influence a decision. Waiters are FIFO; a released token, or one made by
 * raising the total, goes straight to the first waiter (it is reserved for
 * the waiter it wakes). Lowering the total takes nothing back.
 */
#include "rt.h"

#include <string.h>

struct weft_limiter {
    uint32_t obj;
    size_t total;
    const void **borrowers;    /* borrowed[0..n) */
    size_t n, cap;
    weft__waitq waiters;       /* each waiter's borrower in t->wait_arg */
    const char *file;
    int line;
};

static void limiter_describe(const weft__task *t, char *buf, size_t len)
{
    const weft_limiter *l = t->wait_on;
    weft__rt *rt = weft__cur_rt;
    size_t off = (size_t)snprintf(buf, len, "on limiter #%u (created at %s:%d, %zu of %zu "
                                            "tokens borrowed",
                                  l->obj, l->file ? l->file : "?", l->line, l->n, l->total);
    const char *sep = " by ";
    for (size_t i = 0; i < l->n && off < len; i++)
        for (size_t k = 0; k < rt->n_tasks; k++)
            if (l->borrowers[i] == rt->tasks[k]) {
                char label[96];
                weft__task_label(rt->tasks[k], label, sizeof label);
                off += (size_t)snprintf(buf + off, len - off, "%s%s", sep, label);
                sep = ", ";
            }
    if (off < len)
        snprintf(buf + off, len - off, ")");
}

static const weft__wait_ops limiter_ops = {"weft_limiter_acquire", limiter_describe, NULL};

static size_t find(const weft_limiter *l, const void *b)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->borrowers[i] == b)
            return i;
    return SIZE_MAX;
}

static void add_borrower(weft__rt *rt, weft_limiter *l, const void *b)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 4;
        const void **a = weft__alloc(rt, cap * sizeof *a);
        if (l->n)
            memcpy(a, l->borrowers, l->n * sizeof *a);
        l->borrowers = a;
        l->cap = cap;
    }
    l->borrowers[l->n++] = b;
}

/* Hands free tokens to waiters, first come first served. */
static void hand_out(weft__rt *rt, weft_limiter *l)
{
    while (l->waiters.n && l->n < l->total) {
        weft__task *t = weft__waitq_pop(&l->waiters);
        add_borrower(rt, l, t->wait_arg);
        weft__wake(rt, t, WEFT_OK, WEFT__OP_LIMITER);
    }
}

static void check_total(size_t total, const char *fn)
{
    if (total == 0 || (total != WEFT_UNBOUNDED && (ptrdiff_t)total < 0))
        weft__misuse("%s: total tokens must be at least 1 (or WEFT_UNBOUNDED)", fn);
}

weft_limiter *(weft_limiter_new)(size_t total_tokens)
{
    weft__rt *rt = weft__need_rt("weft_limiter_new");
    check_total(total_tokens, "weft_limiter_new");
    weft_limiter *l = weft__alloc(rt, sizeof *l);
    l->obj = weft__new_obj(rt);
    l->total = total_tokens;
    l->file = rt->cur->loc_file;
    l->line = rt->cur->loc_line;
    return l;
}

static void check_not_borrowing(const weft_limiter *l, const void *b, const char *fn)
{
    if (!l)
        weft__misuse("%s: NULL limiter", fn);
    if (find(l, b) != SIZE_MAX)
        weft__misuse("%s: this borrower already holds a token of the limiter created at %s:%d",
                     fn, l->file ? l->file : "?", l->line);
}

int (weft_limiter_acquire_on_behalf_of)(weft_limiter *l, const void *borrower)
{
    weft__rt *rt = weft__need_rt("weft_limiter_acquire");
    check_not_borrowing(l, borrower, "weft_limiter_acquire");
    int rc = weft__pre_checkpoint(rt, WEFT__OP_LIMITER, l->obj);
    if (rc != WEFT_OK)
        return rc;
    if (l->n < l->total && !l->waiters.n) {
        add_borrower(rt, l, borrower);
        weft__schedule_point(rt, WEFT__OP_LIMITER, l->obj);
        return WEFT_OK;
    }
    weft__task *t = rt->cur;
    t->wait_arg = borrower;
    weft__waitq_push(&l->waiters, t);
    rc = weft__block(rt, &limiter_ops, l, l->obj, true);
    if (rc == WEFT_CANCELLED)
        return weft__deliver(rt, t);
    WEFT__CHECK(find(l, borrower) != SIZE_MAX);
    return WEFT_OK;
}

int (weft_limiter_acquire)(weft_limiter *l)
{
    weft__rt *rt = weft__need_rt("weft_limiter_acquire");
    return (weft_limiter_acquire_on_behalf_of)(l, rt->cur);
}

int (weft_limiter_try_acquire_on_behalf_of)(weft_limiter *l, const void *borrower)
{
    weft__rt *rt = weft__need_rt("weft_limiter_try_acquire");
    check_not_borrowing(l, borrower, "weft_limiter_try_acquire");
    if (l->n >= l->total || l->waiters.n)
        return WEFT_WOULDBLOCK;
    add_borrower(rt, l, borrower);
    return WEFT_OK;
}

int (weft_limiter_try_acquire)(weft_limiter *l)
{
    weft__rt *rt = weft__need_rt("weft_limiter_try_acquire");
    return (weft_limiter_try_acquire_on_behalf_of)(l, rt->cur);
}

int (weft_limiter_release_on_behalf_of)(weft_limiter *l, const void *borrower)
{
    weft__rt *rt = weft__need_rt("weft_limiter_release");
    if (!l)
        weft__misuse("weft_limiter_release: NULL limiter");
    size_t i = find(l, borrower);
    if (i == SIZE_MAX)
        weft__misuse("weft_limiter_release: this borrower holds no token of the limiter "
                     "created at %s:%d", l->file ? l->file : "?", l->line);
    l->borrowers[i] = l->borrowers[--l->n];
    hand_out(rt, l);
    return WEFT_OK;
}

int (weft_limiter_release)(weft_limiter *l)
{
    weft__rt *rt = weft__need_rt("weft_limiter_release");
    return (weft_limiter_release_on_behalf_of)(l, rt->cur);
}

int (weft_limiter_set_total_tokens)(weft_limiter *l, size_t total_tokens)
{
    weft__rt *rt = weft__need_rt("weft_limiter_set_total_tokens");
    if (!l)
        weft__misuse("weft_limiter_set_total_tokens: NULL limiter");
    check_total(total_tokens, "weft_limiter_set_total_tokens");
    l->total = total_tokens;
    hand_out(rt, l);
    return WEFT_OK;
}

size_t weft_limiter_total_tokens(const weft_limiter *l)
{
    return l ? l->total : 0;
}

size_t weft_limiter_borrowed(const weft_limiter *l)
{
    return l ? l->n : 0;
}

ptrdiff_t weft_limiter_available(const weft_limiter *l)
{
    if (!l)
        return 0;
    if (l->total == WEFT_UNBOUNDED)
        return PTRDIFF_MAX;
    return (ptrdiff_t)l->total - (ptrdiff_t)l->n;
}
