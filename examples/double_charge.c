/*
 * double_charge.c — a timeout race with fail_after: WEFT_TIMEOUT taken to
 * mean "nothing happened" although the work was committed.
 *
 * Checkouts send a charge to a payment service and wait for its receipt
 * inside weft_fail_after(80 ms). The service handles one charge at a time
 * and needs 50 ms per charge. On WEFT_TIMEOUT the checkout concludes that
 * the card was not charged and tries again with a new request. But a
 * timeout only says the *answer* was late: when the interactive checkout's
 * charge queues behind the batch job's, its receipt would come at 100 ms,
 * the deadline fires at 80 ms, the service commits the first charge anyway
 * at 100 ms — and then the retry charges the card a second time. Whether it
 * happens depends on which checkout reaches the service first.
 *
 * `double_charge_fixed` treats a timeout as "unknown": every attempt of one
 * checkout carries the same idempotency key, and the service applies a key
 * at most once (the retry gets the receipt of the first charge).
 */
#include <weft/weft.h>

#define CUSTOMERS 2
#define ATTEMPTS 3

typedef struct charge {
    int customer;
    int key; /* idempotency key */
    weft_event *receipt;
} charge;

typedef struct checkout {
    int customer;
    weft_time deadline; /* per attempt; WEFT_FOREVER: none */
    weft_sender *tx;
    charge attempts[ATTEMPTS];
    bool paid;
} checkout;

static int charged[CUSTOMERS]; /* times each card was charged */
static bool applied[CUSTOMERS * ATTEMPTS];
static bool same_key;

static int payment_service(void *arg)
{
    weft_receiver *rx = arg;
    for (;;) {
        void *item;
        int rc = weft_recv(rx, &item);
        if (rc == WEFT_END)
            return WEFT_OK;
        if (rc != WEFT_OK)
            return rc;
        charge *c = item;
        rc = weft_sleep(WEFT_MS(50)); /* the card network */
        if (rc != WEFT_OK)
            return rc;
        if (!applied[c->key]) { /* a key is applied at most once */
            applied[c->key] = true;
            charged[c->customer]++;
        }
        weft_event_set(c->receipt);
    }
}

static int do_checkout(void *arg)
{
    checkout *co = arg;
    int rc = WEFT_OK;
    for (int i = 0; i < ATTEMPTS; i++) {
        charge *c = &co->attempts[i];
        c->customer = co->customer;
        c->key = same_key ? co->customer : co->customer * ATTEMPTS + i;
        c->receipt = weft_event_new();
        weft_scope *s = co->deadline == WEFT_FOREVER ? weft_scope_open(WEFT_FOREVER)
                                                     : weft_fail_after(co->deadline);
        rc = weft_send(co->tx, c);
        if (rc == WEFT_OK)
            rc = weft_event_wait(c->receipt);
        if (weft_scope_close(s) == WEFT_TIMEOUT) {
            rc = WEFT_OK;
            continue; /* BUG (without same_key): "not charged, try again" */
        }
        if (rc == WEFT_OK)
            co->paid = true;
        break;
    }
    weft_sender_close(co->tx);
    return rc;
}

static int run(bool fixed)
{
    same_key = fixed;
    for (int i = 0; i < CUSTOMERS; i++)
        charged[i] = 0;
    for (int i = 0; i < CUSTOMERS * ATTEMPTS; i++)
        applied[i] = false;
    weft_sender *tx;
    weft_receiver *rx;
    weft_stream_open(WEFT_UNBOUNDED, &tx, &rx);
    checkout batch = {.customer = 0, .deadline = WEFT_FOREVER, .tx = weft_sender_clone(tx)};
    checkout web = {.customer = 1, .deadline = WEFT_MS(80), .tx = weft_sender_clone(tx)};
    weft_sender_close(tx);
    weft_group *g = weft_group_open();
    weft_spawn(g, payment_service, rx, "payment service");
    weft_spawn(g, do_checkout, &batch, "batch checkout");
    weft_spawn(g, do_checkout, &web, "web checkout");
    int rc = weft_group_join(g);
    weft_receiver_close(rx);
    for (int i = 0; i < CUSTOMERS; i++)
        WEFT_ASSERT_MSG(charged[i] <= 1, "customer %d was charged %d times", i, charged[i]);
    WEFT_ASSERT(!batch.paid || charged[0] == 1);
    WEFT_ASSERT(!web.paid || charged[1] == 1);
    return rc;
}

WEFT_TEST(double_charge)
{
    return run(false);
}

WEFT_TEST(double_charge_fixed)
{
    return run(true);
}
