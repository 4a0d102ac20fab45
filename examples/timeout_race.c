/*
 * timeout_race.c — a watchdog's timeout races with the work completing.
 *
 * A worker needs 100 ms; a watchdog gives it 100 ms, then, if the work is
 * not done, records a timeout and cancels the worker. Both timers fall due
 * at the same instant, and which one fires first is a scheduling decision.
 * When the watchdog goes first, it cancels the worker — but the worker's
 * sleep has already completed, so the worker goes on and commits: the job is
 * both "timed out" (and will be retried) and done (so it runs twice).
 * `timeout_race_fixed` checks for cancellation before committing
 * (weft_checkpoint_if_cancelled), so exactly one side wins.
 */
#include <weft/weft.h>

static bool done, timed_out, check_before_commit;
static weft_group *jobs;

static int worker(void *arg)
{
    (void)arg;
    int rc = weft_sleep(WEFT_MS(100)); /* the work */
    if (rc != WEFT_OK)
        return rc;
    if (check_before_commit && (rc = weft_checkpoint_if_cancelled()) != WEFT_OK)
        return rc;
    done = true; /* commit */
    return WEFT_OK;
}

static int watchdog(void *arg)
{
    (void)arg;
    weft_sleep(WEFT_MS(100));
    if (!done) {
        timed_out = true; /* the caller will retry the job */
        weft_group_cancel(jobs);
    }
    return WEFT_OK;
}

static int run_job(bool fixed)
{
    done = timed_out = false;
    check_before_commit = fixed;
    jobs = weft_group_open();
    weft_spawn(jobs, worker, NULL, "worker");
    weft_spawn(jobs, watchdog, NULL, "watchdog");
    int rc = weft_group_join(jobs);
    WEFT_ASSERT_MSG(!(done && timed_out),
                    "the job completed but was also reported as timed out");
    WEFT_ASSERT(done || timed_out);
    return rc;
}

WEFT_TEST(timeout_race)
{
    return run_job(false);
}

WEFT_TEST(timeout_race_fixed)
{
    return run_job(true);
}
