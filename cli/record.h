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
} weft__recorder;

/* Opens the store at path for writing, records this binary's build and a
 * campaign. 0, or -1 with a message (the store is untouched). */
int weft__recorder_open(weft__recorder *r, const char *path, const char *argv0,
                        const char *test, const weft_options *o, char *err,
                        size_t err_len);
/* weft_options.on_failure: ctx is the recorder. */
void weft__recorder_hook(void *ctx, const weft_failure_event *ev);
/* Flushes batched hits, ends the campaign row, closes. NULL-safe. Returns
 * the number of write errors seen (reported on stderr once each). */
int weft__recorder_close(weft__recorder *r, uint64_t executions);

#endif /* WEFT_CLI_RECORD_H */
