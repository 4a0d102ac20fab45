/*
 * polite_spoon.c — livelock: two diners politely hand one spoon back and
 * forth, forever.
 *
 * Two tasks share one resource (the spoon: whoever owns it may eat). Each
 * is polite: when it gets the spoon and sees the other one is hungry too,
 * it hands the spoon over ("after you") and waits to get it back. If one
 * diner eats before the other announces it is hungry, all is well. But
 * once both are hungry at the same time, every hand-over is answered by a
 * hand-over: the tasks keep running — locking, notifying, waking — and
 * nobody ever eats. That is a livelock, not a deadlock: no task is blocked
 * for good, so weft reports it as `livelock` when the execution runs past
 * --max-steps scheduling points in the fair tail (where every runnable task
 * gets its turn, so a correct program would have finished).
 *
 * `polite_spoon_fixed` is polite only once per meal: a diner that already
 * gave the spoon away eats when it comes back. Every fair schedule ends
 * after at most two hand-overs.
 */
#include <weft/weft.h>

typedef struct diner {
    int id;
    bool hungry;
    int meals;
} diner;

static diner diners[2];
static int spoon; /* the id of the diner who owns it */
static weft_condition *table;
static bool polite_once;

static int dine(void *arg)
{
    diner *me = arg, *other = &diners[1 - me->id];
    weft_lock *lock = weft_condition_lock(table);
    me->hungry = true; /* announce, then sit down */
    int rc = weft_lock_acquire(lock);
    if (rc != WEFT_OK) {
        me->hungry = false;
        return rc;
    }
    bool handed_over = false;
    for (;;) {
        while (spoon != me->id && rc == WEFT_OK)
            rc = weft_condition_wait(table); /* holds the lock again on return */
        if (rc != WEFT_OK)
            break;
        if (other->hungry && !(polite_once && handed_over)) {
            spoon = other->id; /* "after you" */
            handed_over = true;
            weft_condition_notify_all(table);
            continue;
        }
        me->meals++; /* eat */
        break;
    }
    me->hungry = false;
    if (spoon == me->id) { /* done (or cancelled): pass the spoon on */
        spoon = other->id;
        weft_condition_notify_all(table);
    }
    weft_lock_release(lock);
    return rc;
}

static int run(bool fixed)
{
    polite_once = fixed;
    diners[0] = (diner){0, false, 0};
    diners[1] = (diner){1, false, 0};
    spoon = 0;
    table = weft_condition_new(NULL);
    weft_group *g = weft_group_open();
    weft_spawn(g, dine, &diners[0], "diner 0");
    weft_spawn(g, dine, &diners[1], "diner 1");
    int rc = weft_group_join(g);
    if (!weft_group_cancel_called(g))
        WEFT_ASSERT_MSG(diners[0].meals == 1 && diners[1].meals == 1,
                        "meals: %d and %d", diners[0].meals, diners[1].meals);
    return rc;
}

WEFT_TEST(polite_spoon)
{
    return run(false);
}

WEFT_TEST(polite_spoon_fixed)
{
    return run(true);
}
