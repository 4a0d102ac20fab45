/*
 * trace.h — the schedule trace: every decision of one execution, in order,
 * plus a header saying how the execution was produced (strategy, test, seed,
 * limits, injection rates), so that replaying it needs nothing else.
 *
 * Invariants of a weft__trace (kept by push, checked by decode and encode):
 *  - every decision has 1 <= kind <= WEFT__D_MAX and n >= 2;
 *  - value < n for every kind except WEFT__D_PICK, whose value is a task id;
 *  - h.strategy and h.test are NUL-terminated within their arrays;
 *  - the rates are in [0, 1];
 *  - len <= cap, and d holds cap decisions (d == NULL iff cap == 0).
 *
 * The binary format is described at the top of trace.c. weft__trace_hash is
 * the schedule's identity: it depends on the decisions only and is the same
 * on every machine and build; a change to it is a format change.
 */
#ifndef WEFT_SCHEDULER_TRACE_H
#define WEFT_SCHEDULER_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../runtime/decide.h"

/* Format version written by this weft; decode refuses newer ones. */
#define WEFT__TRACE_VERSION 1

/* Largest file weft__trace_read_file accepts (a trace is ~1-3 bytes per
 * decision, so this is far beyond any realistic max_steps). */
#define WEFT__TRACE_FILE_MAX ((size_t)1 << 30)

typedef struct weft__decision {
    uint8_t kind;   /* enum weft__dkind */
    uint32_t n;     /* number of alternatives, >= 2 */
    uint32_t value; /* < n, except for WEFT__D_PICK: the chosen task id */
} weft__decision;

typedef struct weft__trace_header {
    uint32_t version;     /* format version (WEFT__TRACE_VERSION) */
    char strategy[64];    /* "random", "pct:3", ...; NUL-terminated */
    char test[128];       /* test name; NUL-terminated */
    uint64_t seed;        /* the strategy's seed */
    uint64_t max_steps;   /* steps before the execution counts as a livelock */
    uint64_t fair_after;  /* steps after which the run is FIFO and no pick
                             decisions are recorded */
    double cancel_rate;   /* injection rates, each in [0, 1] */
    double timeout_rate;
    double inject_rate;
    uint64_t steps;       /* scheduling points the recorded execution took */
} weft__trace_header;

typedef struct weft__trace {
    weft__trace_header h;
    weft__decision *d; /* decisions in order; owned */
    size_t len;        /* decisions recorded */
    size_t cap;        /* decisions d can hold */
    bool external;     /* d is not ours (shared memory of a campaign): never
                          grown or freed; a push past cap fails */
} weft__trace;

/* Empty trace, default header (version set, strings empty, numbers 0). */
void weft__trace_init(weft__trace *t);

/* Forgets the decisions (len = 0) but keeps the buffer: a trace is reused
 * across millions of executions. Leaves the header alone. */
void weft__trace_reset(weft__trace *t);

/* Releases the buffer and re-initialises t. NULL is fine. */
void weft__trace_free(weft__trace *t);

/* Out-of-line parts of weft__trace_push; not for direct use. */
int weft__trace_grow(weft__trace *t);
__attribute__((noreturn, cold)) void
weft__trace_bad_decision(unsigned kind, uint32_t n, uint32_t value);

/* Appends one decision. Returns 0, or -1 when out of memory (t unchanged).
 * Amortised O(1). A decision that breaks the invariants above is a bug in the
 * caller: it aborts with a message, in every build type. */
static inline int weft__trace_push(weft__trace *t, uint8_t kind, uint32_t n,
                                   uint32_t value)
{
    if (__builtin_expect(kind < 1 || kind > WEFT__D_MAX || n < 2 ||
                             (kind != WEFT__D_PICK && value >= n),
                         0))
        weft__trace_bad_decision(kind, n, value);
    if (__builtin_expect(t->len == t->cap, 0) && weft__trace_grow(t) != 0)
        return -1;
    weft__decision *d = &t->d[t->len++];
    d->kind = kind;
    d->n = n;
    d->value = value;
    return 0;
}

/* True when a and b have the same header (rates compared bit for bit) and
 * the same decisions. Capacity does not matter. */
bool weft__trace_equal(const weft__trace *a, const weft__trace *b);

/* The schedule's identity: XXH3-64 of the decision section of the encoding
 * (count and decisions, see trace.c), independent of the header. Equal
 * decision lists give equal hashes; different ones differ except for 64-bit
 * collisions. Allocation-free. */
uint64_t weft__trace_hash(const weft__trace *t);

/* Encodes t into a malloc'd buffer (*out, *out_len); the caller frees it.
 * Returns 0, or -1 when out of memory or when t breaks its invariants (then
 * *out is NULL): weft never writes a trace that it could not read back. */
int weft__trace_encode(const weft__trace *t, uint8_t **out, size_t *out_len);

/* Decodes buf[0..len) into t, which must be initialised (weft__trace_init);
 * its previous content is replaced and its buffer reused. Total on any input:
 * returns 0, or -1 with a one-line message in err (when err_len > 0) and t
 * empty with a default header, still valid to reuse or free. Never reads
 * outside buf and never allocates more than len can justify. */
int weft__trace_decode(const uint8_t *buf, size_t len, weft__trace *t,
                       char *err, size_t err_len);

/* Writes the encoding of t to path, replacing it atomically (through a
 * temporary file next to it). Returns 0, or -1 with a message in err. */
int weft__trace_write_file(const weft__trace *t, const char *path, char *err,
                           size_t err_len);

/* Reads and decodes the trace file at path into t (as weft__trace_decode).
 * Returns 0, or -1 with a message in err and t empty. */
int weft__trace_read_file(const char *path, weft__trace *t, char *err,
                          size_t err_len);

/* Human-readable dump: the header fields, the hash, then one line per
 * decision ("   12  pick     task 3 of 4"). */
void weft__trace_dump(const weft__trace *t, FILE *f);

/* Short name of a decision kind ("pick", "timer", ...), "?" if unknown. */
const char *weft__dkind_name(unsigned kind);

/* Canonical text form of a hash: 16 lowercase hex digits and a NUL. */
void weft__hash_hex(uint64_t h, char out[17]);

#endif /* WEFT_SCHEDULER_TRACE_H */
