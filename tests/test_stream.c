/*
 * test_stream.c — memory object streams (SEMANTICS.md 32–35) and the
 * checkpoint rules as they apply to them (2, 3, 11).
 *
 * Each semantic test is a weft program that checks the behaviour from inside
 * with WEFT_ASSERT and runs under SEEDS random schedules: what it asserts
 * holds under every interleaving. Programs reset their shared state first.
 * The host puts tasks in a known state by spawning them and then waiting
 * with weft_wait_all_tasks_blocked (`spawn_settled`): a receiver or sender
 * spawned that way is blocked in the stream when the host goes on.
 *
 * Items are small integers cast to pointers (ITEM(i)); NULL is an item too.
 * Tests that depend on the buffer size run for a rendezvous (0) and a
 * buffered stream. Race tests also count the outcomes among the schedules
 * to check the race is really exercised (skipped when WEFT_SEED picks one
 * seed).
 */
#include <stdint.h>
#include <stdio.h>

#include "testutil.h"

/* ---------------------------------------------------------------- helpers */

static const char *sname(int rc)
{
    const char *n = weft_status_name(rc);
    return n ? n : "a task failure code";
}

/* call must return want; otherwise the execution fails naming both. */
#define EXPECT_RC(call, want)                                                 \
    do {                                                                      \
        int rc_ = (call);                                                     \
        int want_ = (want);                                                   \
        WEFT_ASSERT_MSG(rc_ == want_, "%s returned %s (%d), expected %s",     \
                        #call, sname(rc_), rc_, sname(want_));                \
    } while (0)

#define ITEM(i) ((void *)(intptr_t)(i))
#define ID(p) ((int)(intptr_t)(p))
#define SENTINEL ((void *)&sentinel_obj)

static int sentinel_obj;

static void settle(void)
{
    EXPECT_RC(weft_wait_all_tasks_blocked(), WEFT_OK);
}

static void spawn_settled(weft_group *g, weft_task_fn fn, void *arg, const char *name)
{
    EXPECT_RC(weft_spawn(g, fn, arg, name), WEFT_OK);
    settle();
}

static void join_ok(weft_group *g)
{
    EXPECT_RC(weft_group_join(g), WEFT_OK);
}

static size_t buf0 = 0, buf1 = 1, buf2 = 2, buf4 = 4;

static size_t bufsize(void *arg)
{
    return *(const size_t *)arg;
}

/* Outcomes of race tests across schedules (reset by the CUnit test). */
static unsigned long seen[2];

static bool single_seed(void)
{
    const char *s = getenv("WEFT_SEED");
    return s && *s;
}

#define CHECK_SEEN(i)                                                         \
    do {                                                                      \
        if (!single_seed())                                                   \
            CU_ASSERT(seen[i] > 0);                                           \
    } while (0)

/* Shared state of the programs below. */
static weft_sender *tx, *tx2;
static weft_receiver *rx, *rx2;
static weft_scope *victim_scope;
static int ran;

static void open_stream(size_t n)
{
    tx = NULL;
    rx = NULL;
    tx2 = NULL;
    rx2 = NULL;
    EXPECT_RC(weft_stream_open(n, &tx, &rx), WEFT_OK);
    WEFT_ASSERT(tx != NULL && rx != NULL);
}

static int mark_ran(void *arg)
{
    (void)arg;
    ran = 1;
    return WEFT_OK;
}

/* One receiver or sender task's outcome. */
typedef struct {
    int rc;
    void *item;
    bool done;
} outcome;

static outcome out[4];

static void reset_outcomes(void)
{
    for (size_t i = 0; i < sizeof out / sizeof out[0]; i++) {
        out[i].rc = 99;
        out[i].item = SENTINEL;
        out[i].done = false;
    }
}

/* out[arg] = recv(rx) */
static int receiver(void *arg)
{
    outcome *o = &out[ID(arg)];
    o->rc = weft_recv(rx, &o->item);
    o->done = true;
    return WEFT_OK;
}

/* out[arg] = send(tx, ITEM(100 + arg)) */
static int sender(void *arg)
{
    outcome *o = &out[ID(arg)];
    o->rc = weft_send(tx, ITEM(100 + ID(arg)));
    o->done = true;
    return WEFT_OK;
}

/* out[arg] = send(tx2, ITEM(100 + arg)) — through another handle. */
static int sender2(void *arg)
{
    outcome *o = &out[ID(arg)];
    o->rc = weft_send(tx2, ITEM(100 + ID(arg)));
    o->done = true;
    return WEFT_OK;
}

/* out[arg] = recv(rx2) */
static int receiver2(void *arg)
{
    outcome *o = &out[ID(arg)];
    o->rc = weft_recv(rx2, &o->item);
    o->done = true;
    return WEFT_OK;
}

/* ===================================================== rendezvous (32) */

/* 32: with buffer 0, send_nowait and recv_nowait get WEFT_WOULDBLOCK when
 * nobody waits on the other side, and nothing is buffered. */
static int prog_rendezvous_nowait_wouldblock(void *arg)
{
    (void)arg;
    open_stream(0);
    void *it = SENTINEL;
    EXPECT_RC(weft_send_nowait(tx, ITEM(1)), WEFT_WOULDBLOCK);
    EXPECT_RC(weft_send_nowait(tx, NULL), WEFT_WOULDBLOCK);
    EXPECT_RC(weft_recv_nowait(rx, &it), WEFT_WOULDBLOCK);
    WEFT_ASSERT(it == SENTINEL);
    EXPECT_RC(weft_recv_nowait(rx, &it), WEFT_WOULDBLOCK);
    return WEFT_OK;
}

static void test_stream_rendezvous_nowait_wouldblock(void)
{
    EXPECT_PASS(prog_rendezvous_nowait_wouldblock, NULL);
}

/* 32: send_nowait succeeds when a receiver waits, and hands it the item;
 * once that receiver is served, the next send_nowait would block again. */
static int prog_rendezvous_send_nowait_to_waiting_receiver(void *arg)
{
    (void)arg;
    reset_outcomes();
    open_stream(0);
    weft_group *g = weft_group_open();
    spawn_settled(g, receiver, ITEM(0), "receiver");
    WEFT_ASSERT(!out[0].done);
    EXPECT_RC(weft_send_nowait(tx, ITEM(7)), WEFT_OK);
    EXPECT_RC(weft_send_nowait(tx, ITEM(8)), WEFT_WOULDBLOCK);
    join_ok(g);
    EXPECT_RC(out[0].rc, WEFT_OK);
    WEFT_ASSERT_MSG(out[0].item == ITEM(7), "received %d", ID(out[0].item));
    void *it;
    EXPECT_RC(weft_recv_nowait(rx, &it), WEFT_WOULDBLOCK); /* 8 was not buffered */
    return WEFT_OK;
}

static void test_stream_rendezvous_send_nowait_to_waiting_receiver(void)
{
    EXPECT_PASS(prog_rendezvous_send_nowait_to_waiting_receiver, NULL);
}

/* 32: recv_nowait succeeds when a sender waits; the sender's send then
 * returns WEFT_OK, and it did not return before. */
static int prog_rendezvous_recv_nowait_from_waiting_sender(void *arg)
{
    (void)arg;
    reset_outcomes();
    open_stream(0);
    weft_group *g = weft_group_open();
    spawn_settled(g, sender, ITEM(0), "sender");
    WEFT_ASSERT_MSG(!out[0].done, "a rendezvous send returned with no receiver");
    void *it = SENTINEL;
    EXPECT_RC(weft_recv_nowait(rx, &it), WEFT_OK);
    WEFT_ASSERT(it == ITEM(100));
    EXPECT_RC(weft_recv_nowait(rx, &it), WEFT_WOULDBLOCK);
    join_ok(g);
    EXPECT_RC(out[0].rc, WEFT_OK);
    return WEFT_OK;
}

static void test_stream_rendezvous_recv_nowait_from_waiting_sender(void)
{
    EXPECT_PASS(prog_rendezvous_recv_nowait_from_waiting_sender, NULL);
}

/* =================================================== buffering (32, 33) */

/* 32: a buffered stream keeps items in FIFO order up to its size. */
static int prog_buffered_fifo(void *arg)
{
    (void)arg;
    open_stream(3);
    void *it;
    for (int i = 1; i <= 3; i++)
        EXPECT_RC(weft_send_nowait(tx, ITEM(i)), WEFT_OK);
    EXPECT_RC(weft_send_nowait(tx, ITEM(99)), WEFT_WOULDBLOCK);
    EXPECT_RC(weft_recv_nowait(rx, &it), WEFT_OK);
    WEFT_ASSERT(it == ITEM(1));
    EXPECT_RC(weft_send(tx, ITEM(4)), WEFT_OK); /* a free slot: does not block */
    EXPECT_RC(weft_send_nowait(tx, ITEM(99)), WEFT_WOULDBLOCK);
    for (int i = 2; i <= 4; i++) {
        it = SENTINEL;
        EXPECT_RC(weft_recv(rx, &it), WEFT_OK);
        WEFT_ASSERT_MSG(it == ITEM(i), "received %d, expected %d", ID(it), i);
    }
    EXPECT_RC(weft_recv_nowait(rx, &it), WEFT_WOULDBLOCK);
    return WEFT_OK;
}

static void test_stream_buffered_fifo(void)
{
    EXPECT_PASS(prog_buffered_fifo, NULL);
}

/* 32: a producer and a consumer running concurrently: every item arrives
 * once, in the order sent, whatever the buffer size. */
#define N_ITEMS 12

static int produce(void *arg)
{
    (void)arg;
    for (int i = 1; i <= N_ITEMS; i++)
        EXPECT_RC(weft_send(tx, ITEM(i)), WEFT_OK);
    weft_sender_close(tx);
    return WEFT_OK;
}

static int n_consumed;

static int consume_in_order(void *arg)
{
    (void)arg;
    for (;;) {
        void *it = SENTINEL;
        int rc = weft_recv(rx, &it);
        if (rc == WEFT_END)
            break;
        EXPECT_RC(rc, WEFT_OK);
        WEFT_ASSERT_MSG(it == ITEM(n_consumed + 1), "item %d arrived as number %d", ID(it),
                        n_consumed + 1);
        n_consumed++;
    }
    return WEFT_OK;
}

static int prog_producer_consumer_fifo(void *arg)
{
    n_consumed = 0;
    open_stream(bufsize(arg));
    weft_group *g = weft_group_open();
    EXPECT_RC(weft_spawn(g, consume_in_order, NULL, "consumer"), WEFT_OK);
    EXPECT_RC(weft_spawn(g, produce, NULL, "producer"), WEFT_OK);
    join_ok(g);
    WEFT_ASSERT_MSG(n_consumed == N_ITEMS, "%d of %d items arrived", n_consumed, N_ITEMS);
    return WEFT_OK;
}

static void test_stream_producer_consumer_fifo(void)
{
    EXPECT_PASS(prog_producer_consumer_fifo, &buf0);
    EXPECT_PASS(prog_producer_consumer_fifo, &buf2);
}

/* 32: an unbounded buffer never blocks a sender. */
static int prog_unbounded_buffer(void *arg)
{
    (void)arg;
    open_stream(WEFT_UNBOUNDED);
    for (int i = 1; i <= 1000; i++) {
        if (i % 2)
            EXPECT_RC(weft_send_nowait(tx, ITEM(i)), WEFT_OK);
        else
            EXPECT_RC(weft_send(tx, ITEM(i)), WEFT_OK);
    }
    for (int i = 1; i <= 1000; i++) {
        void *it = SENTINEL;
        EXPECT_RC(weft_recv_nowait(rx, &it), WEFT_OK);
        WEFT_ASSERT_MSG(it == ITEM(i), "received %d, expected %d", ID(it), i);
    }
    void *it;
    EXPECT_RC(weft_recv_nowait(rx, &it), WEFT_WOULDBLOCK);
    return WEFT_OK;
}

static void test_stream_unbounded_buffer(void)
{
    EXPECT_PASS(prog_unbounded_buffer, NULL);
}

/* 32: a negative buffer size is an error (as a size_t: a value above
 * PTRDIFF_MAX other than WEFT_UNBOUNDED). */
static int prog_negative_size(void *arg)
{
    (void)arg;
    int n = -5;
    weft_stream_open((size_t)n, &tx, &rx);
    weft_fail("weft_stream_open with a negative size returned");
}

static void test_stream_negative_size_is_misuse(void)
{
    CU_ASSERT(always_fails_with(prog_negative_size, NULL, 50, WEFT_KIND_MISUSE,
                                "weft_stream_open"));
}

/* 33: a waiting receiver owns the next item sent: neither another receiver
 * handle nor another task's recv_nowait can take it before it runs. */
static int thief_recv_nowait(void *arg)
{
    (void)arg;
    void *it = SENTINEL;
    EXPECT_RC(weft_recv_nowait(rx2, &it), WEFT_WOULDBLOCK);
    EXPECT_RC(weft_recv_nowait(rx, &it), WEFT_WOULDBLOCK);
    WEFT_ASSERT(it == SENTINEL);
    return WEFT_OK;
}

static int prog_waiting_receiver_owns_item(void *arg)
{
    reset_outcomes();
    open_stream(bufsize(arg));
    rx2 = weft_receiver_clone(rx);
    WEFT_ASSERT(rx2 != NULL);
    weft_group *g = weft_group_open();
    spawn_settled(g, receiver, ITEM(0), "receiver");
    EXPECT_RC(weft_send_nowait(tx, ITEM(5)), WEFT_OK);
    void *it = SENTINEL;
    EXPECT_RC(weft_recv_nowait(rx2, &it), WEFT_WOULDBLOCK);
    EXPECT_RC(weft_recv_nowait(rx, &it), WEFT_WOULDBLOCK);
    EXPECT_RC(weft_spawn(g, thief_recv_nowait, NULL, "thief"), WEFT_OK);
    join_ok(g);
    EXPECT_RC(out[0].rc, WEFT_OK);
    WEFT_ASSERT_MSG(out[0].item == ITEM(5), "the waiting receiver got %d", ID(out[0].item));

    /* the same with a blocking send and two waiting receivers: first come,
     * first served */
    reset_outcomes();
    g = weft_group_open();
    spawn_settled(g, receiver, ITEM(0), "receiver 0");
    spawn_settled(g, receiver2, ITEM(1), "receiver 1");
    EXPECT_RC(weft_send(tx, ITEM(6)), WEFT_OK);
    EXPECT_RC(weft_recv_nowait(rx2, &it), WEFT_WOULDBLOCK);
    EXPECT_RC(weft_send(tx, ITEM(7)), WEFT_OK);
    join_ok(g);
    WEFT_ASSERT(out[0].rc == WEFT_OK && out[0].item == ITEM(6));
    WEFT_ASSERT(out[1].rc == WEFT_OK && out[1].item == ITEM(7));
    return WEFT_OK;
}

static void test_stream_waiting_receiver_owns_next_item(void)
{
    EXPECT_PASS(prog_waiting_receiver_owns_item, &buf0);
    EXPECT_PASS(prog_waiting_receiver_owns_item, &buf4);
}

/* 33: a waiting sender owns the next freed slot: once a receive frees a
 * slot of a full buffer, the waiting sender's item takes it, and another
 * sender (another handle, another task) gets WEFT_WOULDBLOCK. */
static int thief_send_nowait(void *arg)
{
    (void)arg;
    EXPECT_RC(weft_send_nowait(tx2, ITEM(66)), WEFT_WOULDBLOCK);
    EXPECT_RC(weft_send_nowait(tx, ITEM(67)), WEFT_WOULDBLOCK);
    return WEFT_OK;
}

static int prog_waiting_sender_owns_slot(void *arg)
{
    size_t n = bufsize(arg);
    reset_outcomes();
    open_stream(n);
    tx2 = weft_sender_clone(tx);
    WEFT_ASSERT(tx2 != NULL);
    for (size_t i = 0; i < n; i++)
        EXPECT_RC(weft_send_nowait(tx, ITEM(1 + (int)i)), WEFT_OK);
    weft_group *g = weft_group_open();
    spawn_settled(g, sender, ITEM(0), "sender");
    WEFT_ASSERT(!out[0].done);
    void *it = SENTINEL;
    EXPECT_RC(weft_recv_nowait(rx, &it), WEFT_OK);
    WEFT_ASSERT(it == (n ? ITEM(1) : ITEM(100)));
    EXPECT_RC(weft_send_nowait(tx2, ITEM(55)), WEFT_WOULDBLOCK);
    EXPECT_RC(weft_send_nowait(tx, ITEM(56)), WEFT_WOULDBLOCK);
    EXPECT_RC(weft_spawn(g, thief_send_nowait, NULL, "thief"), WEFT_OK);
    join_ok(g);
    EXPECT_RC(out[0].rc, WEFT_OK);
    /* what is left: the rest of the first items, then the waiting sender's */
    for (size_t i = 1; i < n; i++) {
        EXPECT_RC(weft_recv_nowait(rx, &it), WEFT_OK);
        WEFT_ASSERT(it == ITEM(1 + (int)i));
    }
    if (n) {
        EXPECT_RC(weft_recv_nowait(rx, &it), WEFT_OK);
        WEFT_ASSERT_MSG(it == ITEM(100), "got %d where the waiting sender's item belongs",
                        ID(it));
    }
    EXPECT_RC(weft_recv_nowait(rx, &it), WEFT_WOULDBLOCK);
    return WEFT_OK;
}

static void test_stream_waiting_sender_owns_freed_slot(void)
{
    EXPECT_PASS(prog_waiting_sender_owns_slot, &buf0);
    EXPECT_PASS(prog_waiting_sender_owns_slot, &buf1);
    EXPECT_PASS(prog_waiting_sender_owns_slot, &buf2);
}

/* ============================================ checkpoints first (34, 2, 3) */

/* 34: a send inside a cancelled scope transfers nothing, even when there is
 * buffer space or a waiting receiver. */
static int prog_send_in_cancelled_scope(void *arg)
{
    size_t n = bufsize(arg);
    reset_outcomes();
    open_stream(n);
    weft_group *g = weft_group_open();
    spawn_settled(g, receiver, ITEM(0), "receiver");
    weft_scope *s = weft_scope_open(WEFT_FOREVER);
    weft_scope_cancel(s);
    EXPECT_RC(weft_send(tx, ITEM(1)), WEFT_CANCELLED);
    EXPECT_RC(weft_send(tx, ITEM(2)), WEFT_CANCELLED);
    EXPECT_RC(weft_scope_close(s), WEFT_CANCELLED);
    settle();
    WEFT_ASSERT_MSG(!out[0].done, "a cancelled send reached the waiting receiver (got %d)",
                    ID(out[0].item));
    EXPECT_RC(weft_send(tx, ITEM(3)), WEFT_OK);
    join_ok(g);
    WEFT_ASSERT(out[0].rc == WEFT_OK && out[0].item == ITEM(3));
    void *it;
    EXPECT_RC(weft_recv_nowait(rx, &it), WEFT_WOULDBLOCK); /* nothing was buffered */

    if (n) { /* buffer space, no receiver */
        s = weft_scope_open(WEFT_FOREVER);
        weft_scope_cancel(s);
        EXPECT_RC(weft_send(tx, ITEM(4)), WEFT_CANCELLED);
        EXPECT_RC(weft_scope_close(s), WEFT_CANCELLED);
        EXPECT_RC(weft_recv_nowait(rx, &it), WEFT_WOULDBLOCK);
    }
    return WEFT_OK;
}

static void test_stream_send_in_cancelled_scope_transfers_nothing(void)
{
    EXPECT_PASS(prog_send_in_cancelled_scope, &buf0);
    EXPECT_PASS(prog_send_in_cancelled_scope, &buf2);
}

/* 34: a receive inside a cancelled scope takes nothing, neither from the
 * buffer nor from a waiting sender. */
static int prog_recv_in_cancelled_scope(void *arg)
{
    size_t n = bufsize(arg);
    reset_outcomes();
    open_stream(n);
    void *it = SENTINEL;
    if (n)
        EXPECT_RC(weft_send_nowait(tx, ITEM(1)), WEFT_OK);
    weft_group *g = weft_group_open();
    spawn_settled(g, sender, ITEM(0), "sender"); /* blocks: buffer full or none */
    weft_scope *s = weft_scope_open(WEFT_FOREVER);
    weft_scope_cancel(s);
    EXPECT_RC(weft_recv(rx, &it), WEFT_CANCELLED);
    WEFT_ASSERT(it == SENTINEL);
    EXPECT_RC(weft_recv(rx, &it), WEFT_CANCELLED);
    EXPECT_RC(weft_scope_close(s), WEFT_CANCELLED);
    settle();
    WEFT_ASSERT_MSG(!out[0].done, "a cancelled receive released the waiting sender");
    if (n) {
        EXPECT_RC(weft_recv(rx, &it), WEFT_OK);
        WEFT_ASSERT(it == ITEM(1));
    }
    EXPECT_RC(weft_recv(rx, &it), WEFT_OK);
    WEFT_ASSERT(it == ITEM(100));
    join_ok(g);
    EXPECT_RC(out[0].rc, WEFT_OK);
    return WEFT_OK;
}

static void test_stream_recv_in_cancelled_scope_takes_nothing(void)
{
    EXPECT_PASS(prog_recv_in_cancelled_scope, &buf0);
    EXPECT_PASS(prog_recv_in_cancelled_scope, &buf1);
}

/* 2: a send with buffer space and a receive with an item waiting are
 * scheduling points: in some schedule another task runs inside them. */
static int prog_send_schedules(void *arg)
{
    (void)arg;
    ran = 0;
    open_stream(1);
    weft_group *g = weft_group_open();
    EXPECT_RC(weft_spawn(g, mark_ran, NULL, "marker"), WEFT_OK);
    EXPECT_RC(weft_send(tx, ITEM(1)), WEFT_OK);
    WEFT_ASSERT_MSG(!ran, "SCHEDULED: another task ran inside the send");
    join_ok(g);
    return WEFT_OK;
}

static int prog_recv_schedules(void *arg)
{
    (void)arg;
    ran = 0;
    open_stream(1);
    EXPECT_RC(weft_send_nowait(tx, ITEM(1)), WEFT_OK);
    weft_group *g = weft_group_open();
    EXPECT_RC(weft_spawn(g, mark_ran, NULL, "marker"), WEFT_OK);
    void *it;
    EXPECT_RC(weft_recv(rx, &it), WEFT_OK);
    WEFT_ASSERT_MSG(!ran, "SCHEDULED: another task ran inside the receive");
    join_ok(g);
    return WEFT_OK;
}

static void test_stream_send_recv_schedule(void)
{
    CU_ASSERT(fails_with(prog_send_schedules, NULL, 200, WEFT_KIND_ASSERT, "SCHEDULED"));
    CU_ASSERT(fails_with(prog_recv_schedules, NULL, 200, WEFT_KIND_ASSERT, "SCHEDULED"));
}

/* 3: _nowait, clone and close are not checkpoints: inside a cancelled scope
 * they work, and no other task runs inside them. */
static int prog_nowait_never_checkpoints(void *arg)
{
    (void)arg;
    ran = 0;
    open_stream(2);
    weft_group *g = weft_group_open();
    EXPECT_RC(weft_spawn(g, mark_ran, NULL, "marker"), WEFT_OK);
    weft_scope *s = weft_scope_open(WEFT_FOREVER);
    weft_scope_cancel(s);
    void *it = SENTINEL;
    EXPECT_RC(weft_send_nowait(tx, ITEM(1)), WEFT_OK);
    EXPECT_RC(weft_recv_nowait(rx, &it), WEFT_OK);
    WEFT_ASSERT(it == ITEM(1));
    tx2 = weft_sender_clone(tx);
    rx2 = weft_receiver_clone(rx);
    WEFT_ASSERT(tx2 && rx2);
    weft_sender_close(tx2);
    weft_receiver_close(rx2);
    WEFT_ASSERT_MSG(!ran, "another task ran inside a non-blocking stream call");
    EXPECT_RC(weft_scope_close(s), WEFT_OK); /* nothing was a cancellation point */
    join_ok(g);
    return WEFT_OK;
}

static void test_stream_nowait_calls_never_checkpoint(void)
{
    EXPECT_PASS(prog_nowait_never_checkpoints, NULL);
}

/* 34, 7: a sender blocked in a cancelled scope returns WEFT_CANCELLED at once
 * and its item is never delivered. */
static int cancellable_sender(void *arg)
{
    outcome *o = &out[ID(arg)];
    victim_scope = weft_scope_open(WEFT_FOREVER);
    o->rc = weft_send(tx, ITEM(100 + ID(arg)));
    o->done = true;
    weft_scope_close(victim_scope);
    return WEFT_OK;
}

static int prog_blocked_sender_cancelled(void *arg)
{
    size_t n = bufsize(arg);
    reset_outcomes();
    victim_scope = NULL;
    open_stream(n);
    for (size_t i = 0; i < n; i++)
        EXPECT_RC(weft_send_nowait(tx, ITEM(1 + (int)i)), WEFT_OK);
    weft_group *g = weft_group_open();
    spawn_settled(g, cancellable_sender, ITEM(0), "sender");
    WEFT_ASSERT(!out[0].done);
    weft_scope_cancel(victim_scope);
    settle();
    WEFT_ASSERT_MSG(out[0].done, "a cancelled sender stayed blocked");
    EXPECT_RC(out[0].rc, WEFT_CANCELLED);
    void *it;
    for (size_t i = 0; i < n; i++) {
        EXPECT_RC(weft_recv_nowait(rx, &it), WEFT_OK);
        WEFT_ASSERT(it == ITEM(1 + (int)i));
    }
    EXPECT_RC(weft_recv_nowait(rx, &it), WEFT_WOULDBLOCK); /* its item never came */
    join_ok(g);
    return WEFT_OK;
}

static void test_stream_blocked_sender_cancelled(void)
{
    EXPECT_PASS(prog_blocked_sender_cancelled, &buf0);
    EXPECT_PASS(prog_blocked_sender_cancelled, &buf2);
}

/* 34, 7: a receiver blocked in a cancelled scope returns WEFT_CANCELLED at
 * once and no longer claims items. */
static int cancellable_receiver(void *arg)
{
    outcome *o = &out[ID(arg)];
    victim_scope = weft_scope_open(WEFT_FOREVER);
    o->rc = weft_recv(rx, &o->item);
    o->done = true;
    weft_scope_close(victim_scope);
    return WEFT_OK;
}

static int prog_blocked_receiver_cancelled(void *arg)
{
    size_t n = bufsize(arg);
    reset_outcomes();
    victim_scope = NULL;
    open_stream(n);
    weft_group *g = weft_group_open();
    spawn_settled(g, cancellable_receiver, ITEM(0), "receiver");
    weft_scope_cancel(victim_scope);
    settle();
    WEFT_ASSERT_MSG(out[0].done, "a cancelled receiver stayed blocked");
    EXPECT_RC(out[0].rc, WEFT_CANCELLED);
    WEFT_ASSERT(out[0].item == SENTINEL);
    /* no receiver waits any more */
    EXPECT_RC(weft_send_nowait(tx, ITEM(9)), n ? WEFT_OK : WEFT_WOULDBLOCK);
    if (n) {
        void *it;
        EXPECT_RC(weft_recv_nowait(rx, &it), WEFT_OK);
        WEFT_ASSERT(it == ITEM(9));
    }
    join_ok(g);
    return WEFT_OK;
}

static void test_stream_blocked_receiver_cancelled(void)
{
    EXPECT_PASS(prog_blocked_receiver_cancelled, &buf0);
    EXPECT_PASS(prog_blocked_receiver_cancelled, &buf2);
}

/* 11: a receiver handed an item, then cancelled before it runs, keeps the
 * item; likewise a sender whose item was taken. The cancellation lands at
 * the next checkpoint. */
static int receiver_keeps(void *arg)
{
    outcome *o = &out[ID(arg)];
    victim_scope = weft_scope_open(WEFT_FOREVER);
    o->rc = weft_recv(rx, &o->item);
    EXPECT_RC(o->rc, WEFT_OK);
    EXPECT_RC(weft_checkpoint(), WEFT_CANCELLED);
    EXPECT_RC(weft_scope_close(victim_scope), WEFT_CANCELLED);
    o->done = true;
    return WEFT_OK;
}

static int sender_keeps(void *arg)
{
    outcome *o = &out[ID(arg)];
    victim_scope = weft_scope_open(WEFT_FOREVER);
    o->rc = weft_send(tx, ITEM(100 + ID(arg)));
    EXPECT_RC(o->rc, WEFT_OK);
    EXPECT_RC(weft_checkpoint(), WEFT_CANCELLED);
    EXPECT_RC(weft_scope_close(victim_scope), WEFT_CANCELLED);
    o->done = true;
    return WEFT_OK;
}

static int prog_handed_over_kept_when_cancelled(void *arg)
{
    size_t n = bufsize(arg);
    reset_outcomes();
    victim_scope = NULL;
    open_stream(n);
    weft_group *g = weft_group_open();
    spawn_settled(g, receiver_keeps, ITEM(0), "receiver");
    EXPECT_RC(weft_send_nowait(tx, ITEM(3)), WEFT_OK);
    weft_scope_cancel(victim_scope);
    join_ok(g);
    WEFT_ASSERT(out[0].done && out[0].rc == WEFT_OK && out[0].item == ITEM(3));

    victim_scope = NULL;
    for (size_t i = 0; i < n; i++)
        EXPECT_RC(weft_send_nowait(tx, ITEM(1 + (int)i)), WEFT_OK);
    g = weft_group_open();
    spawn_settled(g, sender_keeps, ITEM(1), "sender");
    void *it;
    EXPECT_RC(weft_recv_nowait(rx, &it), WEFT_OK); /* frees the slot it waits for */
    weft_scope_cancel(victim_scope);
    join_ok(g);
    WEFT_ASSERT(out[1].done && out[1].rc == WEFT_OK);
    for (size_t i = 1; i < n; i++)
        EXPECT_RC(weft_recv_nowait(rx, &it), WEFT_OK);
    if (n) {
        EXPECT_RC(weft_recv_nowait(rx, &it), WEFT_OK);
        WEFT_ASSERT(it == ITEM(101)); /* its item was delivered */
    } else {
        WEFT_ASSERT(it == ITEM(101));
    }
    return WEFT_OK;
}

static void test_stream_handed_over_kept_when_cancelled(void)
{
    EXPECT_PASS(prog_handed_over_kept_when_cancelled, &buf0);
    EXPECT_PASS(prog_handed_over_kept_when_cancelled, &buf2);
}

/* ============================================================ races (34) */

#define N_RACE 6
static int send_status[N_RACE + 1];
static int recv_count[N_RACE + 1];
static weft_event *started;

/* Waits until the victim opened its scope, lets arg checkpoints pass, then
 * cancels the victim's scope. */
static int delayed_canceller(void *arg)
{
    EXPECT_RC(weft_event_wait(started), WEFT_OK);
    for (int i = 0; i < ID(arg); i++)
        EXPECT_RC(weft_checkpoint(), WEFT_OK);
    weft_scope_cancel(victim_scope);
    return WEFT_OK;
}

/* Receives from h until END, counting items. */
static int drain(void *arg)
{
    weft_receiver *h = arg;
    for (;;) {
        void *it = SENTINEL;
        int rc = weft_recv(h, &it);
        if (rc == WEFT_END)
            break;
        EXPECT_RC(rc, WEFT_OK);
        WEFT_ASSERT_MSG(ID(it) >= 1 && ID(it) <= N_RACE, "bogus item %d", ID(it));
        recv_count[ID(it)]++;
    }
    return WEFT_OK;
}

/* Sends items 1..N_RACE inside a scope that a canceller cancels. */
static int racing_sender(void *arg)
{
    (void)arg;
    victim_scope = weft_scope_open(WEFT_FOREVER);
    weft_event_set(started);
    for (int i = 1; i <= N_RACE; i++)
        send_status[i] = weft_send(tx, ITEM(i));
    weft_scope_close(victim_scope);
    weft_sender_close(tx);
    return WEFT_OK;
}

/* 34: a sender cancelled at any moment: exactly the items whose send
 * returned WEFT_OK are delivered, each once. */
static int prog_cancelled_sender_race(void *arg)
{
    memset(send_status, 0, sizeof send_status);
    memset(recv_count, 0, sizeof recv_count);
    victim_scope = NULL;
    started = weft_event_new();
    open_stream(bufsize(arg));
    weft_group *g = weft_group_open();
    EXPECT_RC(weft_spawn(g, drain, rx, "receiver"), WEFT_OK);
    EXPECT_RC(weft_spawn(g, racing_sender, NULL, "sender"), WEFT_OK);
    EXPECT_RC(weft_spawn(g, delayed_canceller, ITEM(2), "canceller"), WEFT_OK);
    join_ok(g);
    int n_ok = 0, n_cancelled = 0;
    for (int i = 1; i <= N_RACE; i++) {
        int st = send_status[i];
        WEFT_ASSERT_MSG(st == WEFT_OK || st == WEFT_CANCELLED, "send %d returned %s", i,
                        sname(st));
        if (st == WEFT_CANCELLED)
            n_cancelled++;
        else
            n_ok++;
        WEFT_ASSERT_MSG(recv_count[i] == (st == WEFT_OK),
                        "item %d: send returned %s, received %d times", i, sname(st),
                        recv_count[i]);
        if (i > 1 && send_status[i - 1] == WEFT_CANCELLED)
            EXPECT_RC(st, WEFT_CANCELLED); /* level-triggered */
    }
    seen[0] += n_ok > 0 && n_cancelled > 0;
    return WEFT_OK;
}

static void test_stream_cancelled_sender_item_never_delivered(void)
{
    memset(seen, 0, sizeof seen);
    EXPECT_PASS(prog_cancelled_sender_race, &buf0);
    CHECK_SEEN(0);
    memset(seen, 0, sizeof seen);
    EXPECT_PASS(prog_cancelled_sender_race, &buf2);
    CHECK_SEEN(0);
}

/* Receives from rx2 inside a scope that a canceller cancels. */
static int racing_receiver(void *arg)
{
    (void)arg;
    victim_scope = weft_scope_open(WEFT_FOREVER);
    weft_event_set(started);
    int rc, got = 0;
    for (;;) {
        void *it = SENTINEL;
        rc = weft_recv(rx2, &it);
        if (rc != WEFT_OK)
            break;
        WEFT_ASSERT_MSG(ID(it) >= 1 && ID(it) <= N_RACE, "bogus item %d", ID(it));
        recv_count[ID(it)]++;
        got++;
    }
    WEFT_ASSERT_MSG(rc == WEFT_CANCELLED || rc == WEFT_END, "recv returned %s", sname(rc));
    weft_scope_close(victim_scope);
    weft_receiver_close(rx2);
    seen[0] += rc == WEFT_CANCELLED && got > 0;
    return WEFT_OK;
}

static int send_all(void *arg)
{
    (void)arg;
    for (int i = 1; i <= N_RACE; i++)
        EXPECT_RC(weft_send(tx, ITEM(i)), WEFT_OK);
    weft_sender_close(tx);
    return WEFT_OK;
}

/* 34: a receiver cancelled at any moment never loses an item: together
 * with a second receiver it gets every item exactly once. */
static int prog_cancelled_receiver_race(void *arg)
{
    memset(recv_count, 0, sizeof recv_count);
    victim_scope = NULL;
    started = weft_event_new();
    open_stream(bufsize(arg));
    rx2 = weft_receiver_clone(rx);
    weft_group *g = weft_group_open();
    EXPECT_RC(weft_spawn(g, racing_receiver, NULL, "cancelled receiver"), WEFT_OK);
    EXPECT_RC(weft_spawn(g, drain, rx, "receiver"), WEFT_OK);
    EXPECT_RC(weft_spawn(g, send_all, NULL, "sender"), WEFT_OK);
    EXPECT_RC(weft_spawn(g, delayed_canceller, ITEM(2), "canceller"), WEFT_OK);
    join_ok(g);
    for (int i = 1; i <= N_RACE; i++)
        WEFT_ASSERT_MSG(recv_count[i] == 1, "item %d received %d times", i, recv_count[i]);
    return WEFT_OK;
}

static void test_stream_cancelled_receiver_never_loses_item(void)
{
    memset(seen, 0, sizeof seen);
    EXPECT_PASS(prog_cancelled_receiver_race, &buf0);
    CHECK_SEEN(0);
    memset(seen, 0, sizeof seen);
    EXPECT_PASS(prog_cancelled_receiver_race, &buf2);
    CHECK_SEEN(0);
}

/* ========================================================= closing (35) */

/* 35: when the last sender closes, receivers drain the buffer and then get
 * WEFT_END (again and again); a sender clone keeps the stream open. */
static int prog_last_sender_close_end(void *arg)
{
    (void)arg;
    open_stream(3);
    void *it = SENTINEL;
    EXPECT_RC(weft_send_nowait(tx, ITEM(1)), WEFT_OK);
    tx2 = weft_sender_clone(tx);
    EXPECT_RC(weft_send_nowait(tx2, ITEM(2)), WEFT_OK);
    weft_sender_close(tx);
    EXPECT_RC(weft_recv_nowait(rx, &it), WEFT_OK);
    WEFT_ASSERT(it == ITEM(1));
    EXPECT_RC(weft_recv_nowait(rx, &it), WEFT_OK);
    WEFT_ASSERT(it == ITEM(2));
    EXPECT_RC(weft_recv_nowait(rx, &it), WEFT_WOULDBLOCK); /* tx2 still open */
    EXPECT_RC(weft_send_nowait(tx2, ITEM(3)), WEFT_OK);
    weft_sender_close(tx2);
    it = SENTINEL;
    EXPECT_RC(weft_recv(rx, &it), WEFT_OK); /* drained first */
    WEFT_ASSERT(it == ITEM(3));
    EXPECT_RC(weft_recv(rx, &it), WEFT_END);
    EXPECT_RC(weft_recv(rx, &it), WEFT_END);
    EXPECT_RC(weft_recv_nowait(rx, &it), WEFT_END);
    rx2 = weft_receiver_clone(rx);
    WEFT_ASSERT(rx2 != NULL);
    EXPECT_RC(weft_recv_nowait(rx2, &it), WEFT_END);
    return WEFT_OK;
}

static void test_stream_last_sender_close_end_after_drain(void)
{
    EXPECT_PASS(prog_last_sender_close_end, NULL);
}

/* 35: receivers blocked when the last sender closes get WEFT_END; closing
 * a sender while a clone is open wakes nobody. */
static int prog_last_sender_close_wakes_receivers(void *arg)
{
    reset_outcomes();
    open_stream(bufsize(arg));
    rx2 = weft_receiver_clone(rx);
    tx2 = weft_sender_clone(tx);
    weft_group *g = weft_group_open();
    spawn_settled(g, receiver, ITEM(0), "receiver 0");
    spawn_settled(g, receiver2, ITEM(1), "receiver 1");
    weft_sender_close(tx);
    settle();
    WEFT_ASSERT_MSG(!out[0].done && !out[1].done,
                    "a receiver woke while a sender clone was open");
    weft_sender_close(tx2);
    join_ok(g);
    EXPECT_RC(out[0].rc, WEFT_END);
    EXPECT_RC(out[1].rc, WEFT_END);
    return WEFT_OK;
}

static void test_stream_last_sender_close_wakes_receivers(void)
{
    EXPECT_PASS(prog_last_sender_close_wakes_receivers, &buf0);
    EXPECT_PASS(prog_last_sender_close_wakes_receivers, &buf2);
}

/* 35: when the last receiver closes, senders get WEFT_BROKEN, also those
 * already blocked; a receiver clone keeps the stream open. */
static int prog_last_receiver_close_broken(void *arg)
{
    size_t n = bufsize(arg);
    reset_outcomes();
    open_stream(n);
    rx2 = weft_receiver_clone(rx);
    tx2 = weft_sender_clone(tx);
    for (size_t i = 0; i < n; i++)
        EXPECT_RC(weft_send_nowait(tx, ITEM(1 + (int)i)), WEFT_OK);
    weft_group *g = weft_group_open();
    spawn_settled(g, sender, ITEM(0), "sender 0");
    spawn_settled(g, sender2, ITEM(1), "sender 1");
    weft_receiver_close(rx);
    settle();
    WEFT_ASSERT_MSG(!out[0].done && !out[1].done,
                    "a sender woke while a receiver clone was open");
    weft_receiver_close(rx2);
    join_ok(g);
    EXPECT_RC(out[0].rc, WEFT_BROKEN);
    EXPECT_RC(out[1].rc, WEFT_BROKEN);
    EXPECT_RC(weft_send_nowait(tx, ITEM(5)), WEFT_BROKEN);
    EXPECT_RC(weft_send(tx2, ITEM(6)), WEFT_BROKEN);
    return WEFT_OK;
}

static void test_stream_last_receiver_close_broken(void)
{
    EXPECT_PASS(prog_last_receiver_close_broken, &buf0);
    EXPECT_PASS(prog_last_receiver_close_broken, &buf1);
}

/* 35: with buffer space and no receiver left, a send is still broken. */
static int prog_broken_with_space(void *arg)
{
    (void)arg;
    open_stream(4);
    weft_receiver_close(rx);
    EXPECT_RC(weft_send_nowait(tx, ITEM(1)), WEFT_BROKEN);
    EXPECT_RC(weft_send(tx, ITEM(2)), WEFT_BROKEN);
    return WEFT_OK;
}

static void test_stream_broken_with_buffer_space(void)
{
    EXPECT_PASS(prog_broken_with_space, NULL);
}

/* 35: using a closed handle gives WEFT_CLOSED, before WEFT_END or
 * WEFT_BROKEN; close is idempotent; other handles are unaffected. */
static int prog_closed_handle(void *arg)
{
    (void)arg;
    open_stream(2);
    tx2 = weft_sender_clone(tx);
    rx2 = weft_receiver_clone(rx);
    void *it = SENTINEL;
    weft_sender_close(tx);
    weft_sender_close(tx); /* idempotent: tx2 still counts as open */
    EXPECT_RC(weft_send_nowait(tx, ITEM(1)), WEFT_CLOSED);
    EXPECT_RC(weft_send(tx, ITEM(1)), WEFT_CLOSED);
    EXPECT_RC(weft_recv_nowait(rx2, &it), WEFT_WOULDBLOCK); /* not WEFT_END */
    EXPECT_RC(weft_send_nowait(tx2, ITEM(2)), WEFT_OK);
    weft_receiver_close(rx);
    weft_receiver_close(rx); /* idempotent: rx2 still counts as open */
    EXPECT_RC(weft_send_nowait(tx2, ITEM(3)), WEFT_OK); /* not WEFT_BROKEN */
    EXPECT_RC(weft_recv_nowait(rx, &it), WEFT_CLOSED);
    EXPECT_RC(weft_recv(rx, &it), WEFT_CLOSED);
    WEFT_ASSERT(it == SENTINEL);
    EXPECT_RC(weft_recv_nowait(rx2, &it), WEFT_OK);
    WEFT_ASSERT(it == ITEM(2));
    EXPECT_RC(weft_recv_nowait(rx2, &it), WEFT_OK);
    WEFT_ASSERT(it == ITEM(3));
    /* every handle closed: CLOSED still wins over BROKEN and END */
    weft_sender_close(tx2);
    weft_receiver_close(rx2);
    EXPECT_RC(weft_send_nowait(tx2, ITEM(3)), WEFT_CLOSED);
    EXPECT_RC(weft_send(tx2, ITEM(3)), WEFT_CLOSED);
    EXPECT_RC(weft_recv_nowait(rx2, &it), WEFT_CLOSED);
    EXPECT_RC(weft_recv(rx2, &it), WEFT_CLOSED);
    return WEFT_OK;
}

static void test_stream_closed_handle(void)
{
    EXPECT_PASS(prog_closed_handle, NULL);
}

/* 35: cloning a closed handle gives NULL; clones of open handles are new
 * handles, and a clone of a clone works. */
static int prog_clone_of_closed(void *arg)
{
    (void)arg;
    open_stream(1);
    tx2 = weft_sender_clone(tx);
    rx2 = weft_receiver_clone(rx);
    WEFT_ASSERT(tx2 && tx2 != tx);
    WEFT_ASSERT(rx2 && rx2 != rx);
    weft_sender_close(tx);
    weft_receiver_close(rx);
    WEFT_ASSERT_MSG(weft_sender_clone(tx) == NULL, "cloned a closed sender");
    WEFT_ASSERT_MSG(weft_receiver_clone(rx) == NULL, "cloned a closed receiver");
    weft_sender *tx3 = weft_sender_clone(tx2);
    weft_receiver *rx3 = weft_receiver_clone(rx2);
    WEFT_ASSERT(tx3 && rx3);
    weft_sender_close(tx2);
    weft_receiver_close(rx2);
    void *it = SENTINEL;
    EXPECT_RC(weft_send_nowait(tx3, ITEM(4)), WEFT_OK);
    EXPECT_RC(weft_recv_nowait(rx3, &it), WEFT_OK);
    WEFT_ASSERT(it == ITEM(4));
    return WEFT_OK;
}

static void test_stream_clone_of_closed_is_null(void)
{
    EXPECT_PASS(prog_clone_of_closed, NULL);
}

/* 35: the stream stays open while any clone of a side is open. */
static int prog_clones_keep_open(void *arg)
{
    (void)arg;
    open_stream(4);
    void *it = SENTINEL;
    weft_sender *t[3] = {tx, weft_sender_clone(tx), NULL};
    t[2] = weft_sender_clone(t[1]);
    weft_receiver *r[3] = {rx, weft_receiver_clone(rx), NULL};
    r[2] = weft_receiver_clone(r[1]);
    for (int i = 0; i < 3; i++)
        WEFT_ASSERT(t[i] && r[i]);
    for (int i = 0; i < 2; i++) {
        weft_sender_close(t[i]);
        weft_receiver_close(r[i]);
        EXPECT_RC(weft_send_nowait(t[2], ITEM(10 + i)), WEFT_OK); /* not BROKEN */
        EXPECT_RC(weft_recv_nowait(r[2], &it), WEFT_OK);          /* not END */
        WEFT_ASSERT(it == ITEM(10 + i));
        EXPECT_RC(weft_recv_nowait(r[2], &it), WEFT_WOULDBLOCK);
    }
    weft_sender_close(t[2]);
    EXPECT_RC(weft_recv_nowait(r[2], &it), WEFT_END);
    weft_receiver_close(r[2]);
    EXPECT_RC(weft_recv_nowait(r[2], &it), WEFT_CLOSED);
    return WEFT_OK;
}

static void test_stream_clones_keep_stream_open(void)
{
    EXPECT_PASS(prog_clones_keep_open, NULL);
}

/* 7 of CONTRACT: NULL is an item like any other, buffered or handed over. */
static int null_sender(void *arg)
{
    (void)arg;
    EXPECT_RC(weft_send(tx, NULL), WEFT_OK);
    return WEFT_OK;
}

static int prog_null_is_item(void *arg)
{
    size_t n = bufsize(arg);
    reset_outcomes();
    open_stream(n);
    void *it = SENTINEL;
    if (n) {
        EXPECT_RC(weft_send_nowait(tx, NULL), WEFT_OK);
        EXPECT_RC(weft_send(tx, NULL), WEFT_OK);
        EXPECT_RC(weft_recv_nowait(rx, &it), WEFT_OK);
        WEFT_ASSERT(it == NULL);
        it = SENTINEL;
        EXPECT_RC(weft_recv(rx, &it), WEFT_OK);
        WEFT_ASSERT(it == NULL);
        EXPECT_RC(weft_recv_nowait(rx, &it), WEFT_WOULDBLOCK);
    }
    weft_group *g = weft_group_open();
    spawn_settled(g, receiver, ITEM(0), "receiver");
    EXPECT_RC(weft_send_nowait(tx, NULL), WEFT_OK); /* to the waiting receiver */
    spawn_settled(g, null_sender, NULL, "sender"); /* blocks when n == 0 */
    it = SENTINEL;
    EXPECT_RC(weft_recv(rx, &it), WEFT_OK);
    WEFT_ASSERT(it == NULL);
    join_ok(g);
    EXPECT_RC(out[0].rc, WEFT_OK);
    WEFT_ASSERT_MSG(out[0].item == NULL, "the receiver did not get the NULL item");
    weft_sender_close(tx);
    EXPECT_RC(weft_recv(rx, &it), WEFT_END);
    return WEFT_OK;
}

static void test_stream_null_is_valid_item(void)
{
    EXPECT_PASS(prog_null_is_item, &buf0);
    EXPECT_PASS(prog_null_is_item, &buf2);
}

/* ================================================================= suite */

SUITE(stream)
ADD(test_stream_rendezvous_nowait_wouldblock)
ADD(test_stream_rendezvous_send_nowait_to_waiting_receiver)
ADD(test_stream_rendezvous_recv_nowait_from_waiting_sender)
ADD(test_stream_buffered_fifo)
ADD(test_stream_producer_consumer_fifo)
ADD(test_stream_unbounded_buffer)
ADD(test_stream_negative_size_is_misuse)
ADD(test_stream_waiting_receiver_owns_next_item)
ADD(test_stream_waiting_sender_owns_freed_slot)
ADD(test_stream_send_in_cancelled_scope_transfers_nothing)
ADD(test_stream_recv_in_cancelled_scope_takes_nothing)
ADD(test_stream_send_recv_schedule)
ADD(test_stream_nowait_calls_never_checkpoint)
ADD(test_stream_blocked_sender_cancelled)
ADD(test_stream_blocked_receiver_cancelled)
ADD(test_stream_handed_over_kept_when_cancelled)
ADD(test_stream_cancelled_sender_item_never_delivered)
ADD(test_stream_cancelled_receiver_never_loses_item)
ADD(test_stream_last_sender_close_end_after_drain)
ADD(test_stream_last_sender_close_wakes_receivers)
ADD(test_stream_last_receiver_close_broken)
ADD(test_stream_broken_with_buffer_space)
ADD(test_stream_closed_handle)
ADD(test_stream_clone_of_closed_is_null)
ADD(test_stream_clones_keep_stream_open)
ADD(test_stream_null_is_valid_item)
END_SUITE
