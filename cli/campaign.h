/*
 * campaign.h — `explore` as a campaign of forked workers: crash isolation,
 * --jobs N, --shard I/N and the live progress line.
 */
#ifndef WEFT_CLI_CAMPAIGN_H
#define WEFT_CLI_CAMPAIGN_H

#include <stdio.h>

#include <weft/weft.h>

#include "record.h"

typedef struct weft__campaign_opts {
    unsigned jobs;             /* worker processes (>= 1) */
    uint64_t shard_i, shard_n; /* this machine's part of the seed space */
    weft__recorder *store;     /* NULL: record nothing */
    FILE *log;
    bool progress;             /* print progress (a live line on a tty) */
} weft__campaign_opts;

/* Explores test t under o in workers. Execution e of this shard uses seed
 * o->seed + shard_i + e * shard_n; worker j runs the executions e = j, j + J,
 * j + 2J, ... A worker killed by a signal while running the program under
 * test is a `crash` failure: reported with its seed (and its schedule when
 * captured), recorded, and replaced by a new worker that goes on from the
 * next execution. Returns like weft_check; *out receives the merged
 * report. */
int weft__campaign_explore(const weft_test_def *t, const weft_options *o,
                           const weft__campaign_opts *co, weft_report *out);

#endif /* WEFT_CLI_CAMPAIGN_H */
