/*
 * explore.h — the explorer loop's pieces, for the command line and tests:
 * running one seed, replaying one trace, and the defaults that every trace
 * header records.
 */
#ifndef WEFT_SCHEDULER_EXPLORE_H
#define WEFT_SCHEDULER_EXPLORE_H

#include <weft/weft.h>

#include "../runtime/exec.h"
#include "strategy.h"
#include "trace.h"

/* Scheduling points in the fair tail before an execution is a livelock. */
#define WEFT__DEFAULT_MAX_STEPS 100000u
/* Scheduling points a strategy decides before the run turns
 * first-come-first-served (the unfair prefix). */
#define WEFT__FAIR_AFTER 10000u

double weft__monotonic(void);
/* The parameters of an execution as its trace header describes them (the
 * one place that turns a header into run parameters: recording, replay,
 * minimizing and timelines all go through it). */
weft__exec_params weft__exec_params_from_header(const weft__trace_header *h,
                                                weft__decider *d, weft_task_fn fn,
                                                void *arg, size_t stack_size);
/* The swarm key of the execution a header describes (0: no swarm). */
uint64_t weft__swarm_sites(const weft__trace_header *h);
const char *weft__argv0(const weft_options *o);
void weft__replay_command(char *buf, size_t len, const char *argv0,
                          const char *test, uint64_t seed,
                          const weft__trace_header *h);
/* Validates o and parses its strategy. 0, or -1 with a message. */
int weft__options_check(const weft_options *o, weft__strategy *st, char *err,
                        size_t err_len);
void weft__header_fill(weft__trace_header *h, const weft_options *o,
                       const weft__strategy *st, const char *test,
                       uint64_t seed);
/* One execution of fn under strategy st with seed; rec receives its trace
 * (header and decisions, the header naming the concrete strategy). pct
 * without k uses WEFT__PCT_DEFAULT_K; auto runs its member for seed mod 4;
 * dfs runs execution I of its search (dfs:B/i=I; without i the first),
 * which replays the I executions before it unrecorded. Returns 0, or -1
 * when it could not run (message in out). */
int weft__run_seed(const char *name, weft_task_fn fn, void *arg,
                   const weft_options *o, const weft__strategy *st,
                   uint64_t seed, weft__trace *rec, weft__outcome *out);
/* What a campaign found out beyond weft_report (which is public). */
typedef struct weft__check_info {
    bool exhausted;            /* dfs: every schedule was explored */
} weft__check_info;

/* weft_check, also filling *info (NULL: not wanted). For dfs it stops when
 * the space is exhausted and, unless quiet, logs "NAME: all N schedules
 * explored, no failure (...)" (or that the budget ran out first). */
int weft__check(const char *name, weft_task_fn fn, void *arg,
                const weft_options *o, weft_report *out,
                weft__check_info *info);

/* One execution answering from's decisions; rec receives what was replayed.
 * oc->kind is WEFT_KIND_DIVERGED when the program no longer fits. */
int weft__replay_trace(const char *name, weft_task_fn fn, void *arg,
                       const weft__trace *from, const weft_options *o,
                       weft__trace *rec, weft__outcome *oc, char *err,
                       size_t err_len);
/* weft_replay with options (log, argv0, quiet). */
int weft__replay_bytes(const char *name, weft_task_fn fn, void *arg,
                       const uint8_t *bytes, size_t len,
                       const weft_options *o, weft_report *out);

#endif /* WEFT_SCHEDULER_EXPLORE_H */
