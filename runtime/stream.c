/*
 * stream.c — memory object streams (AnyIO's create_memory_object_stream).
 *
 * One shared state per stream: a FIFO buffer of up to max items, the
 * waiting senders (each holding its item in t->xfer) and the waiting
 * receivers, and the counts of open send and receive handles. As in AnyIO:
 *  - a send goes first to a waiting receiver, else into free buffer space,
 *    else the sender waits; a receive takes the buffer's head after moving
 *    the first waiting sender's item into the buffer, else waits;
 *  - buffer 0 is a rendezvous: an item only moves between two tasks that
 *    meet;
 *  - closing the last sender wakes waiting receivers with WEFT_END (after
 *    the buffer drains); closing the last receiver wakes waiting senders
 *    with WEFT_BROKEN and their items are not delivered.
 * send and recv checkpoint first, so nothing moves inside a cancelled scope;
 * a waiter handed an item (or a buffer slot) keeps it even if cancelled
 * before it runs.
 */
#include "rt.h"

#include <string.h>

typedef struct stream {
    uint32_t obj;
    size_t max;                /* WEFT_UNBOUNDED: none */
    void **buf;                /* ring of cap slots */
    size_t head, n, cap;
    weft__waitq senders, receivers;
    size_t open_tx, open_rx;
    const char *file;
    int line;
} stream;

struct weft_sender {
    stream *st;
    bool closed;
};

struct weft_receiver {
    stream *st;
    bool closed;
};

static void stream_describe(const weft__task *t, char *buf, size_t len)
{
    const stream *st = t->wait_on;
    char cap[32];
    if (st->max == WEFT_UNBOUNDED)
        snprintf(cap, sizeof cap, "unbounded");
    else
        snprintf(cap, sizeof cap, "%zu", st->max);
    snprintf(buf, len, "on stream #%u (created at %s:%d, %zu of %s buffered, %zu senders "
                       "and %zu receivers open)",
             st->obj, st->file ? st->file : "?", st->line, st->n, cap, st->open_tx, st->open_rx);
}

static const weft__wait_ops send_ops = {"weft_send", stream_describe, NULL};
static const weft__wait_ops recv_ops = {"weft_recv", stream_describe, NULL};

static void push_item(weft__rt *rt, stream *st, void *item)
{
    if (st->n == st->cap) {
        size_t cap = st->cap ? st->cap * 2 : 8;
        void **b = weft__alloc(rt, cap * sizeof *b);
        for (size_t i = 0; i < st->n; i++)
            b[i] = st->buf[(st->head + i) % st->cap];
        st->buf = b;
        st->cap = cap;
        st->head = 0;
    }
    st->buf[(st->head + st->n) % st->cap] = item;
    st->n++;
}

static void *pop_item(stream *st)
{
    void *item = st->buf[st->head];
    st->head = (st->head + 1) % st->cap;
    st->n--;
    return item;
}

int (weft_stream_open)(size_t max_buffer, weft_sender **tx, weft_receiver **rx)
{
    weft__rt *rt = weft__need_rt("weft_stream_open");
    if (max_buffer != WEFT_UNBOUNDED && (ptrdiff_t)max_buffer < 0)
        weft__misuse("weft_stream_open: negative buffer size");
    if (!tx || !rx)
        weft__misuse("weft_stream_open: NULL handle pointer");
    stream *st = weft__alloc(rt, sizeof *st);
    st->obj = weft__new_obj(rt);
    st->max = max_buffer;
    st->open_tx = st->open_rx = 1;
    st->file = rt->cur->loc_file;
    st->line = rt->cur->loc_line;
    *tx = weft__alloc(rt, sizeof **tx);
    (*tx)->st = st;
    *rx = weft__alloc(rt, sizeof **rx);
    (*rx)->st = st;
    return WEFT_OK;
}

/* ------------------------------------------------------------------ send */

int weft_send_nowait(weft_sender *tx, void *item)
{
    weft__rt *rt = weft__need_rt("weft_send_nowait");
    if (!tx)
        weft__misuse("weft_send_nowait: NULL sender");
    if (tx->closed)
        return WEFT_CLOSED;
    stream *st = tx->st;
    if (!st->open_rx)
        return WEFT_BROKEN;
    weft__task *r = weft__waitq_pop(&st->receivers);
    if (r) {
        r->xfer = item;
        weft__wake(rt, r, WEFT_OK, WEFT__OP_RECV);
        return WEFT_OK;
    }
    if (st->max == WEFT_UNBOUNDED || st->n < st->max) {
        push_item(rt, st, item);
        return WEFT_OK;
    }
    return WEFT_WOULDBLOCK;
}

int (weft_send)(weft_sender *tx, void *item)
{
    weft__rt *rt = weft__need_rt("weft_send");
    if (!tx)
        weft__misuse("weft_send: NULL sender");
    weft__task *t = rt->cur;
    weft__schedule_point(rt, WEFT__OP_SEND, tx->st->obj);
    int rc = weft__cancel_point(rt, t);
    if (rc != WEFT_OK)
        return rc;
    rc = weft_send_nowait(tx, item);
    if (rc != WEFT_WOULDBLOCK)
        return rc;
    t->xfer = item;
    weft__waitq_push(&tx->st->senders, t);
    rc = weft__block(rt, &send_ops, tx->st, tx->st->obj, true);
    if (rc == WEFT_CANCELLED)
        return weft__deliver(rt, t);
    return rc; /* WEFT_OK: delivered; WEFT_BROKEN: receivers closed */
}

/* --------------------------------------------------------------- receive */

int weft_recv_nowait(weft_receiver *rx, void **item)
{
    weft__rt *rt = weft__need_rt("weft_recv_nowait");
    if (!rx)
        weft__misuse("weft_recv_nowait: NULL receiver");
    if (rx->closed)
        return WEFT_CLOSED;
    stream *st = rx->st;
    weft__task *s = weft__waitq_pop(&st->senders);
    if (s) {
        push_item(rt, st, s->xfer);
        weft__wake(rt, s, WEFT_OK, WEFT__OP_SEND);
    }
    if (st->n) {
        void *v = pop_item(st);
        if (item)
            *item = v;
        return WEFT_OK;
    }
    return st->open_tx ? WEFT_WOULDBLOCK : WEFT_END;
}

int (weft_recv)(weft_receiver *rx, void **item)
{
    weft__rt *rt = weft__need_rt("weft_recv");
    if (!rx)
        weft__misuse("weft_recv: NULL receiver");
    weft__task *t = rt->cur;
    weft__schedule_point(rt, WEFT__OP_RECV, rx->st->obj);
    int rc = weft__cancel_point(rt, t);
    if (rc != WEFT_OK)
        return rc;
    rc = weft_recv_nowait(rx, item);
    if (rc != WEFT_WOULDBLOCK)
        return rc;
    weft__waitq_push(&rx->st->receivers, t);
    rc = weft__block(rt, &recv_ops, rx->st, rx->st->obj, true);
    if (rc == WEFT_CANCELLED)
        return weft__deliver(rt, t);
    if (rc == WEFT_OK && item)
        *item = t->xfer;
    return rc; /* WEFT_OK, or WEFT_END: every sender closed */
}

/* -------------------------------------------------------- clone, close */

weft_sender *weft_sender_clone(weft_sender *tx)
{
    weft__rt *rt = weft__need_rt("weft_sender_clone");
    if (!tx || tx->closed)
        return NULL;
    weft_sender *c = weft__alloc(rt, sizeof *c);
    c->st = tx->st;
    c->st->open_tx++;
    return c;
}

weft_receiver *weft_receiver_clone(weft_receiver *rx)
{
    weft__rt *rt = weft__need_rt("weft_receiver_clone");
    if (!rx || rx->closed)
        return NULL;
    weft_receiver *c = weft__alloc(rt, sizeof *c);
    c->st = rx->st;
    c->st->open_rx++;
    return c;
}

void weft_sender_close(weft_sender *tx)
{
    weft__rt *rt = weft__need_rt("weft_sender_close");
    if (!tx || tx->closed)
        return;
    tx->closed = true;
    stream *st = tx->st;
    if (--st->open_tx)
        return;
    weft__task *r;
    while ((r = weft__waitq_pop(&st->receivers)))
        weft__wake(rt, r, WEFT_END, WEFT__OP_RECV);
}

void weft_receiver_close(weft_receiver *rx)
{
    weft__rt *rt = weft__need_rt("weft_receiver_close");
    if (!rx || rx->closed)
        return;
    rx->closed = true;
    stream *st = rx->st;
    if (--st->open_rx)
        return;
    weft__task *s;
    while ((s = weft__waitq_pop(&st->senders)))
        weft__wake(rt, s, WEFT_BROKEN, WEFT__OP_SEND);
}
