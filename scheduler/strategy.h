/*
 * strategy.h — parsing --strategy values, and the canonical names that go
 * into trace headers.
 *
 *   random            uniform random walk
 *   pct:D[/k=K]       PCT of depth D (D-1 priority change points over K
 *                     expected picks; without K the campaign estimates it)
 *   pos               partial order sampling
 *   dfs[:B][/i=I]     depth-first search with at most B preemptions (none:
 *                     unbounded); /i=I names the I-th execution of that search
 *   auto              portfolio: execution i runs random, pct:2, pct:3, pos
 *                     in turn (i mod 4)
 *
 * Invariant: the name recorded for one execution (weft__strategy_format)
 * carries every parameter that affects its decisions, so parsing it back and
 * running the same seed repeats the execution exactly.
 */
#ifndef WEFT_SCHEDULER_STRATEGY_H
#define WEFT_SCHEDULER_STRATEGY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum weft__strategy_kind {
    WEFT__S_RANDOM = 1,
    WEFT__S_PCT,
    WEFT__S_POS,
    WEFT__S_DFS,
    WEFT__S_AUTO,
};

/* Largest PCT depth accepted (change points are kept in a fixed array). */
#define WEFT__PCT_MAX_DEPTH 64u
/* PCT's k for the first execution of a campaign, before any estimate. */
#define WEFT__PCT_DEFAULT_K 100u
/* Members of the auto portfolio. */
#define WEFT__AUTO_MEMBERS 4u

typedef struct weft__strategy {
    int kind;           /* enum weft__strategy_kind */
    uint32_t depth;     /* pct: D >= 1 */
    uint64_t k;         /* pct: expected picks per execution; 0: estimate */
    int64_t bound;      /* dfs: preemption bound; -1: unbounded */
    uint64_t index;     /* dfs: with has_index, the execution to run */
    bool has_index;
    bool swarm;         /* injection rates and enabled inject sites drawn
                           per execution from its seed ("/swarm") */
    char name[64];      /* canonical text of what was asked */
} weft__strategy;

/* Parses text (NULL or "": "random"). Returns 0, or -1 with a one-line
 * message in err naming the known strategies. */
int weft__strategy_parse(const char *text, weft__strategy *out, char *err,
                         size_t err_len);

/* Writes st's canonical name into buf: "pct:3/k=250", "dfs:2/i=17" (k and
 * index included only when set). */
void weft__strategy_format(const weft__strategy *st, char *buf, size_t len);

/* Swarm settings of one execution, drawn from its seed (FoundationDB's
 * BUGGIFY style): which injections are on at what rate, and the key that
 * enables about half of the weft_inject sites. */
typedef struct weft__swarm {
    double cancel_rate, timeout_rate, inject_rate;
    uint64_t sites;
} weft__swarm;
void weft__swarm_draw(uint64_t seed, weft__swarm *out);

/* The auto portfolio's member for seed s: random, pct:2, pct:3, pos, each
 * with swarm injection. */
void weft__strategy_auto_member(uint64_t i, weft__strategy *out);

#endif /* WEFT_SCHEDULER_STRATEGY_H */
