/*
 * philosophers.c — three dining philosophers: a deadlock through a cycle of
 * three locks.
 *
 * Three philosophers sit around a table with one fork between each pair.
 * Each picks up the fork on the left, then the one on the right, eats, and
 * puts both down. If all three pick up their left fork before any picks up
 * a right one, each waits for a fork its neighbour holds: a cycle of three
 * "waits for" edges, and nobody eats. With two tasks this is lock_order.c;
 * with three, every task must take its first lock before any takes its
 * second, which takes a more specific schedule. weft reports the deadlock
 * with each philosopher, the fork (lock) it waits for, and who holds it.
 *
 * `philosophers_fixed` orders the forks: everyone picks up the
 * lower-numbered fork first, so the last philosopher reaches for the right
 * fork first and the cycle cannot close.
 */
#include <weft/weft.h>

#define SEATS 3

typedef struct philosopher {
    int seat;
    int meals;
} philosopher;

static weft_lock *forks[SEATS];
static philosopher table[SEATS];
static bool ordered;

static int dine(void *arg)
{
    philosopher *p = arg;
    int left = p->seat, right = (p->seat + 1) % SEATS;
    int first = left, second = right;
    if (ordered && second < first) { /* the fix: lower-numbered fork first */
        first = right;
        second = left;
    }
    int rc = weft_lock_acquire(forks[first]);
    if (rc != WEFT_OK)
        return rc;
    rc = weft_lock_acquire(forks[second]);
    if (rc == WEFT_OK) {
        rc = weft_checkpoint(); /* eat */
        if (rc == WEFT_OK)
            p->meals++;
        weft_lock_release(forks[second]);
    }
    weft_lock_release(forks[first]);
    return rc;
}

static int run(bool fixed)
{
    static const char *const names[SEATS] = {"philosopher 0", "philosopher 1",
                                             "philosopher 2"};
    ordered = fixed;
    for (int i = 0; i < SEATS; i++) {
        forks[i] = weft_lock_new();
        table[i] = (philosopher){i, 0};
    }
    weft_group *g = weft_group_open();
    for (int i = 0; i < SEATS; i++)
        weft_spawn(g, dine, &table[i], names[i]);
    int rc = weft_group_join(g);
    for (int i = 0; i < SEATS; i++) {
        WEFT_ASSERT(!weft_lock_locked(forks[i]));
        if (!weft_group_cancel_called(g))
            WEFT_ASSERT_MSG(table[i].meals == 1, "philosopher %d ate %d times", i,
                            table[i].meals);
    }
    return rc;
}

WEFT_TEST(philosophers)
{
    return run(false);
}

WEFT_TEST(philosophers_fixed)
{
    return run(true);
}
