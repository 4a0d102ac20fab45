/*
 * fuzz.h — libFuzzer drives the schedule.
 *
 * An input is a complete, deterministic schedule: each decision consumes
 * one byte (a pick: below 0x80 keep running the task that yielded, else
 * switch to the (b - 0x80) mod n-th runnable task; an injection fires only
 * for bytes at the top of the range), and once the input runs out the
 * decisions go on from a PRNG seeded with the input's hash. So a one-byte
 * mutation adds, moves or removes one preemption or one injection.
 *
 * Feedback beyond code coverage goes through libFuzzer's extra counters:
 * hashed interleaving features — which task's operation on an object was
 * followed by which other task's operation on the same object (the
 * primitive-level analogue of RFF's reads-from pairs), hand-offs (a task
 * woken by another on an object), and which injected cancellations and
 * timeouts landed at which step kinds.
 */
#ifndef WEFT_FUZZ_FUZZ_H
#define WEFT_FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include <weft/weft.h>

#include "../runtime/exec.h"
#include "../scheduler/trace.h"

#define WEFT__FUZZ_COUNTERS (1u << 16)

/* The strategy name a fuzz input's recorded trace carries. */
#define WEFT__FUZZ_STRATEGY "fuzz"

/* Runs fn once with the schedule the input bytes describe; rec receives
 * the decisions as answered (a weft trace that replays strictly). With
 * feedback, interleaving features are counted into the extra counters. */
int weft__fuzz_run(const char *name, weft_task_fn fn, void *arg,
                   const uint8_t *data, size_t size, const weft_options *o,
                   bool feedback, weft__trace *rec, weft__outcome *out);

/* Whether libFuzzer is linked into this binary. */
bool weft__fuzz_available(void);

/* `BIN fuzz NAME [flags]`: runs libFuzzer on test t. args are the flags
 * after NAME (libFuzzer's, plus --time-limit, --jobs, --db, --no-db,
 * --no-feedback). Returns an exit status. */
int weft__fuzz_main(const weft_test_def *t, int argc, char **argv,
                    const char *argv0);

#endif /* WEFT_FUZZ_FUZZ_H */
