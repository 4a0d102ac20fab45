/*
 * record.c — recording a campaign's failures into the store as they come.
 *
 * The first schedules of each failure (up to the store's limit, and any
 * shorter one later) are written at once, in their own transaction, so a
 * campaign killed at any moment keeps every failure it has reported. Hits
 * of repeats are batched and written at least once a second and at the end.
 */
#include "record.h"

#include <stdio.h>
#include <string.h>

#include "../scheduler/explore.h"

static void options_json(char *buf, size_t len, const weft_options *o)
{
    snprintf(buf, len,
             "{\"strategy\":\"%s\",\"seed\":%llu,\"iterations\":%llu,\"max_steps\":%llu,"
             "\"cancel_rate\":%.17g,\"timeout_rate\":%.17g,\"inject_rate\":%.17g,"
             "\"time_limit\":%.17g}",
             o->strategy ? o->strategy : "random", (unsigned long long)o->seed,
             (unsigned long long)o->iterations,
             (unsigned long long)(o->max_steps ? o->max_steps : WEFT__DEFAULT_MAX_STEPS),
             o->cancel_rate, o->timeout_rate, o->inject_rate, o->time_limit);
}

int weft__recorder_open(weft__recorder *r, const char *path, const char *argv0,
                        const char *test, const weft_options *o, char *err,
                        size_t err_len)
{
    memset(r, 0, sizeof *r);
    snprintf(r->path, sizeof r->path, "%s", path);
    if (weft__store_open(path, WEFT__STORE_WRITE, &r->store, err, err_len) != 0)
        return -1;
    options_json(r->options, sizeof r->options, o);
    const char *self = "/proc/self/exe";
    if (weft__store_build(r->store, self, &r->build, err, err_len) != 0 &&
        weft__store_build(r->store, argv0, &r->build, err, err_len) != 0)
        goto out_close;
    if (weft__store_campaign_begin(r->store, test, r->build,
                                   o->strategy ? o->strategy : "random", r->options, r->uuid,
                                   err, err_len) != 0)
        goto out_close;
    r->last_flush = weft__monotonic();
    return 0;
out_close:
    weft__store_close(r->store);
    r->store = NULL;
    return -1;
}

int weft__recorder_join(weft__recorder *r, const weft__recorder *parent, char *err,
                        size_t err_len)
{
    memset(r, 0, sizeof *r);
    snprintf(r->path, sizeof r->path, "%s", parent->path);
    snprintf(r->uuid, sizeof r->uuid, "%s", parent->uuid);
    snprintf(r->options, sizeof r->options, "%s", parent->options);
    r->build = parent->build;
    r->worker = true;
    r->last_flush = weft__monotonic();
    return weft__store_open(r->path, WEFT__STORE_WRITE, &r->store, err, err_len);
}

static void complain(weft__recorder *r, const char *err)
{
    if (r->errors++ < 3)
        fprintf(stderr, "weft: failure store: %s\n", err);
}

static void flush(weft__recorder *r, uint64_t executions, bool ended)
{
    char err[512];
    for (size_t i = 0; i < r->n_seen; i++) {
        if (!r->seen[i].pending)
            continue;
        if (weft__store_add_hits(r->store, r->uuid, r->seen[i].test, r->seen[i].signature,
                                 r->seen[i].pending, err, sizeof err) != 0)
            complain(r, err);
        r->seen[i].pending = 0;
    }
    if (!r->worker &&
        weft__store_campaign_update(r->store, r->uuid, executions, r->failures, ended, err,
                                    sizeof err) != 0)
        complain(r, err);
    r->last_flush = weft__monotonic();
}

void weft__recorder_hook(void *ctx, const weft_failure_event *ev)
{
    weft__recorder *r = ctx;
    char err[512];
    size_t i = 0;
    while (i < r->n_seen && r->seen[i].signature != ev->signature)
        i++;
    if (i == r->n_seen && r->n_seen < WEFT__RECORD_SIGS) {
        r->n_seen++;
        r->seen[i].signature = ev->signature;
        r->seen[i].min_steps = UINT64_MAX;
        snprintf(r->seen[i].test, sizeof r->seen[i].test, "%s", ev->test);
    }
    r->failures++;
    r->last_execution = ev->execution;
    bool write = i == r->n_seen /* table full: always write */ ||
                 r->seen[i].kept < WEFT__STORE_KEEP || ev->steps < r->seen[i].min_steps;
    if (write) {
        if (weft__store_record(r->store, r->uuid, r->build, ev, r->options, err, sizeof err))
            complain(r, err);
        if (i < r->n_seen) {
            r->seen[i].kept++;
            if (ev->steps < r->seen[i].min_steps)
                r->seen[i].min_steps = ev->steps;
        }
    } else {
        r->seen[i].pending++;
    }
    if (weft__monotonic() - r->last_flush >= 1.0)
        flush(r, ev->execution + 1, false);
}

static void flush(weft__recorder *r, uint64_t executions, bool ended);

void weft__recorder_leave(weft__recorder *r)
{
    if (!r || !r->store)
        return;
    char err[512];
    for (size_t i = 0; i < r->n_seen; i++)
        if (r->seen[i].pending &&
            weft__store_add_hits(r->store, r->uuid, r->seen[i].test, r->seen[i].signature,
                                 r->seen[i].pending, err, sizeof err) != 0)
            complain(r, err);
    weft__store_close(r->store);
    r->store = NULL;
}

int weft__recorder_close(weft__recorder *r, uint64_t executions)
{
    if (!r || !r->store)
        return 0;
    flush(r, executions, true);
    weft__store_close(r->store);
    r->store = NULL;
    return r->errors;
}
