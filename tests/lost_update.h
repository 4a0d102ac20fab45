/*
 * lost_update.h — the read-checkpoint-write program several suites use as
 * "a real failing program": two tasks bump a counter, and a switch between
 * the read and the write loses one bump (fails about half the schedules).
 * Included by the suites that need it; each gets its own counter.
 */
#ifndef WEFT_TESTS_LOST_UPDATE_H
#define WEFT_TESTS_LOST_UPDATE_H

#include <weft/weft.h>

static int counter;

/* read; checkpoint; write back: loses an update when interleaved */
static inline int bump(void *arg)
{
    (void)arg;
    int v = counter;
    weft_checkpoint();
    counter = v + 1;
    return WEFT_OK;
}

static inline int lost_update(void *arg)
{
    (void)arg;
    counter = 0;
    weft_group *g = weft_group_open();
    weft_spawn(g, bump, NULL, "a");
    weft_spawn(g, bump, NULL, "b");
    int rc = weft_group_join(g);
    WEFT_ASSERT(counter == 2);
    return rc;
}

#endif /* WEFT_TESTS_LOST_UPDATE_H */
