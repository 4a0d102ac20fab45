/*
 * record.h — a test binary's connection to the failure store: the campaign
 * row, and the hook that records failing executions as they are found.
 */
#ifndef WEFT_CLI_RECORD_H
#define WEFT_CLI_RECORD_H

#include <weft/weft.h>

#include "../reports/store.h"

#define WEFT__RECORD_SIGS 64

typedef struct weft__recorder {
    weft__store *store;
    char path[4096];
    int64_t build;
    char uuid[33];
    char options[768];
    struct {
        uint64_t signature;
        uint64_t pending;      /* hits not yet written */
        unsigned kept;         /* schedules written by this process */
        uint64_t min_steps;
        char test[128];
    } seen[WEFT__RECORD_SIGS];
    size_t n_seen;
    double last_flush;
    uint64_t failures, last_execution;
    int errors;
    bool worker;               /* joined a parent's campaign: the parent
                                  keeps the campaign row up to date */
} weft__recorder;

/* Opens the store at path for writing, records this binary's build and a
 * campaign. 0, or -1 with a message (the store is untouched). */
int weft__recorder_open(weft__recorder *r, const char *path, const char *argv0,
                        const char *test, const weft_options *o, char *err,
                        size_t err_len);
/* A recorder of its own (a new connection, as after a fork) that records
 * into parent's store and campaign. 0, or -1 with a message. */
int weft__recorder_join(weft__recorder *r, const weft__recorder *parent,
                        char *err, size_t err_len);
/* Closes without ending the campaign (a worker's connection). */
void weft__recorder_leave(weft__recorder *r);
/* weft_options.on_failure: ctx is the recorder. */
void weft__recorder_hook(void *ctx, const weft_failure_event *ev);
/* Flushes batched hits, ends the campaign row, closes. NULL-safe. Returns
 * the number of write errors seen (reported on stderr once each). */
int weft__recorder_close(weft__recorder *r, uint64_t executions);

#endif /* WEFT_CLI_RECORD_H */
