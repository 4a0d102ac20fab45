/*
 * early_close.c — two producers share one send handle, and the first to
 * finish closes it.
 *
 * Closing a sender closes that handle for everyone who uses it: the other
 * producer's next send gets WEFT_CLOSED (its items are lost and it fails),
 * and the consumer sees the end of the stream early. Whether it happens
 * depends on who finishes first. `early_close_fixed` gives each producer
 * its own clone (weft_sender_clone) and closes the original: the stream ends
 * only when the last clone is closed.
 */
#include <weft/weft.h>

#define ITEMS 3

static int received, sent;

static int producer(void *arg)
{
    weft_sender *tx = arg;
    for (int i = 0; i < ITEMS; i++) {
        int rc = weft_send(tx, NULL);
        if (rc != WEFT_OK) {
            weft_sender_close(tx);
            return rc;
        }
        sent++;
    }
    weft_sender_close(tx);
    return WEFT_OK;
}

static int consumer(void *arg)
{
    weft_receiver *rx = arg;
    int rc;
    while ((rc = weft_recv(rx, NULL)) == WEFT_OK)
        received++;
    return rc == WEFT_END ? WEFT_OK : rc;
}

static int run(bool clone)
{
    weft_sender *tx;
    weft_receiver *rx;
    received = sent = 0;
    weft_stream_open(1, &tx, &rx);
    weft_group *g = weft_group_open();
    weft_spawn(g, consumer, rx, "consumer");
    weft_spawn(g, producer, clone ? weft_sender_clone(tx) : tx, "producer 1");
    weft_spawn(g, producer, clone ? weft_sender_clone(tx) : tx, "producer 2");
    if (clone)
        weft_sender_close(tx);
    int rc = weft_group_join(g);
    WEFT_ASSERT_MSG(rc != WEFT_CLOSED, "a producer sent on a closed handle: %d of %d items "
                                       "arrived", received, 2 * ITEMS);
    if (!weft_group_cancel_called(g)) /* cancelled: each side stopped early */
        WEFT_ASSERT_MSG(received == 2 * ITEMS, "received %d of %d items", received, 2 * ITEMS);
    WEFT_ASSERT_MSG(received <= sent, "received %d items but only %d were sent", received,
                    sent);
    return rc;
}

WEFT_TEST(early_close)
{
    return run(false);
}

WEFT_TEST(early_close_fixed)
{
    return run(true);
}
