/*
 * flag_rollout.c — a depth-3 ordering bug: three tasks, one bad order of
 * three events.
 *
 * A rollout switches the wire format with a feature flag. Three things
 * happen concurrently during the switch:
 *   A  the `rollout` task, after its canary checks, sets new_format = true;
 *   B  the `producer` encodes a message with whatever the flag says and
 *      leaves it in the mailbox;
 *   C  the `legacy consumer`, being retired, drains its mailbox one last
 *      time: it decodes only the old format.
 * The message reaches the legacy consumer in the new format only when A
 * happens before B and B before C: one order of the six. The consumer is
 * already running and drains after one step; the rollout flips the flag
 * only after six, the producer encodes after three. So the tasks must run
 * roughly in the reverse of their natural order: a random walk has to keep
 * the consumer waiting for about nine steps (~1 in 100 executions), while
 * PCT, which gives each task a priority and runs the highest first, lines
 * the three up whenever it draws rollout > producer > consumer (~1 in 10).
 *
 * `flag_rollout_fixed` flips the flag only after the legacy consumer has
 * shut down (it sets an event that the rollout waits for), so A always
 * comes after C.
 */
#include <weft/weft.h>

#define OLD_FORMAT 1
#define NEW_FORMAT 2
#define CANARY_CHECKS 6 /* the rollout's steps before the flip */
#define BUILD_STEPS 3   /* the producer's steps before it encodes */

static bool new_format;
static int mailbox;      /* 0: empty, else the format of the message in it */
static int decoded;      /* messages decoded by either consumer */
static bool wait_for_retirement;
static weft_event *retired;

static int steps(int n)
{
    for (int i = 0; i < n; i++) {
        int rc = weft_checkpoint();
        if (rc != WEFT_OK)
            return rc;
    }
    return WEFT_OK;
}

static int rollout(void *arg)
{
    (void)arg;
    int rc = steps(CANARY_CHECKS);
    if (rc != WEFT_OK)
        return rc;
    if (wait_for_retirement && (rc = weft_event_wait(retired)) != WEFT_OK)
        return rc;
    new_format = true; /* A */
    return steps(1);   /* announce */
}

static int producer(void *arg)
{
    (void)arg;
    int rc = steps(BUILD_STEPS);
    if (rc != WEFT_OK)
        return rc;
    mailbox = new_format ? NEW_FORMAT : OLD_FORMAT; /* B */
    return steps(1);
}

static int legacy_consumer(void *arg)
{
    (void)arg;
    int rc = steps(1); /* finish the current batch */
    if (rc == WEFT_OK && mailbox != 0) { /* C: the last drain */
        WEFT_ASSERT_MSG(mailbox == OLD_FORMAT,
                        "the legacy consumer received a new-format message");
        mailbox = 0;
        decoded++;
    }
    weft_event_set(retired); /* shut down */
    return rc;
}

static int run(bool fixed)
{
    new_format = false;
    mailbox = decoded = 0;
    wait_for_retirement = fixed;
    retired = weft_event_new();
    weft_group *g = weft_group_open();
    /* the consumer is already running when the rollout begins */
    weft_spawn(g, legacy_consumer, NULL, "legacy consumer");
    weft_spawn(g, producer, NULL, "producer");
    weft_spawn(g, rollout, NULL, "rollout");
    int rc = weft_group_join(g);
    if (mailbox != 0) { /* the new consumer reads both formats */
        mailbox = 0;
        decoded++;
    }
    WEFT_ASSERT(decoded <= 1);
    return rc;
}

WEFT_TEST(flag_rollout)
{
    return run(false);
}

WEFT_TEST(flag_rollout_fixed)
{
    return run(true);
}
