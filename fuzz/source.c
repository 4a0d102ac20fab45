/*
 * source.c — input bytes as scheduling decisions, and the interleaving
 * features that libFuzzer's extra counters see.
 *
 * Invariants: the answers depend only on the input bytes (and, past their
 * end, on a PRNG seeded with the input's XXH3), so an input is a complete,
 * deterministic schedule; the features never influence a decision.
 */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "fuzz.h"

#include <string.h>

#include "../scheduler/explore.h"
#include "../scheduler/prng.h"

/* libFuzzer picks these up as extra coverage ("INFO: N Extra Counters"). */
__attribute__((section("__libfuzzer_extra_counters"), used))
uint8_t weft__fuzz_counters[WEFT__FUZZ_COUNTERS];

#define OBJS 1024u

typedef struct fsrc {
    weft__decider base;
    const uint8_t *data;
    size_t size, pos;
    weft__prng prng;
    weft__trace *rec;
    bool feedback, oom;
    uint32_t obj_id[OBJS];     /* which object a slot describes (0: none) */
    uint32_t obj_task[OBJS];   /* the last task that operated on it */
    uint16_t obj_op[OBJS];
} fsrc;

static void feature(uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
    uint64_t h = a * 0x9e3779b97f4a7c15ull ^ b * 0xc2b2ae3d27d4eb4full ^
                 c * 0x165667b19e3779f9ull ^ d * 0x27d4eb2f165667c5ull;
    h ^= h >> 29;
    uint8_t *ctr = &weft__fuzz_counters[h & (WEFT__FUZZ_COUNTERS - 1)];
    if (*ctr < 255)
        (*ctr)++;
}

static uint8_t next_byte(fsrc *s)
{
    if (s->pos < s->size)
        return s->data[s->pos++];
    return (uint8_t)(weft__prng_next(&s->prng) >> 56);
}

static void record(fsrc *s, int kind, size_t n, uint32_t v)
{
    if (weft__trace_push(s->rec, (uint8_t)kind, (uint32_t)n, v) != 0)
        s->oom = true;
}

/* The access-pair feature: task t's op on obj, after whichever task last
 * operated on it (a different task: an interleaving across tasks). */
static void access(fsrc *s, uint32_t t, uint16_t op, uint32_t obj)
{
    if (!obj)
        return;
    uint32_t i = obj & (OBJS - 1);
    if (s->obj_id[i] == obj && s->obj_task[i] != t)
        feature(1, s->obj_op[i], op, obj);
    s->obj_id[i] = obj;
    s->obj_task[i] = t;
    s->obj_op[i] = op;
}

static size_t fuzz_pick(weft__decider *d, const weft__runnable *q, size_t n, uint64_t step)
{
    fsrc *s = (fsrc *)d;
    uint8_t b = next_byte(s);
    size_t cur = SIZE_MAX, i;
    for (size_t k = 0; k < n; k++)
        if (q[k].flags & WEFT__R_CURRENT)
            cur = k;
    if (b < 0x80)
        i = cur != SIZE_MAX ? cur : 0; /* no preemption */
    else
        i = (size_t)(b - 0x80) % n;
    record(s, WEFT__D_PICK, n, q[i].task);
    if (s->feedback) {
        access(s, q[i].task, q[i].op, q[i].obj);
        if (cur != SIZE_MAX && i != cur)
            feature(2, q[cur].op, q[i].op, step < 64 ? step : 64 + (step & 7));
    }
    return i;
}

static size_t fuzz_choose(weft__decider *d, int kind, size_t n, uint64_t step)
{
    fsrc *s = (fsrc *)d;
    /* injections come only from the input's own bytes: past its end the
     * run goes on without them, so a livelock can still be reached */
    bool given = s->pos < s->size;
    uint8_t b = next_byte(s);
    size_t v;
    switch (kind) {
    case WEFT__D_CANCEL:
        v = given && b >= 0xf0 ? 1 + (size_t)(b - 0xf0) % (n - 1) : 0;
        break;
    case WEFT__D_TIMEOUT:
        v = given && b >= 0xf0;
        break;
    case WEFT__D_INJECT:
        v = given && b >= 0xc0;
        break;
    default:
        v = b % n;
    }
    record(s, kind, n, (uint32_t)v);
    if (s->feedback && v && kind != WEFT__D_TIMER)
        feature(3, (uint64_t)kind, v, step < 32 ? step : 32 + (step & 15));
    return v;
}

/* Hand-offs and cancellations, seen through the runtime's observer. */
static void observe(void *ctx, const weft__event *ev)
{
    (void)ctx;
    if (ev->kind == WEFT__EV_WAKE && ev->other != ev->task)
        feature(4, ev->other == UINT32_MAX ? 0xffff : ev->other, ev->task, ev->obj);
    else if (ev->kind == WEFT__EV_CANCEL)
        feature(5, ev->cause, ev->obj, ev->task);
    else if (ev->kind == WEFT__EV_BLOCK)
        feature(6, ev->task, ev->obj, (uint64_t)ev->line);
}

int weft__fuzz_run(const char *name, weft_task_fn fn, void *arg, const uint8_t *data,
                   size_t size, const weft_options *o, bool feedback, weft__trace *rec,
                   weft__outcome *out)
{
    static _Thread_local fsrc s; /* large: not on the stack */
    memset(&s, 0, sizeof s);
    s.base.pick = fuzz_pick;
    s.base.choose = fuzz_choose;
    s.data = data;
    s.size = size;
    s.rec = rec;
    s.feedback = feedback;
    weft__prng_seed(&s.prng, XXH3_64bits(data, size));
    weft__trace_reset(rec);
    weft__strategy st = {.kind = WEFT__S_RANDOM};
    snprintf(st.name, sizeof st.name, "%s", WEFT__FUZZ_STRATEGY);
    weft__header_fill(&rec->h, o, &st, name, XXH3_64bits(data, size));
    /* the effective injection probabilities of the byte mapping: nonzero,
     * so that a strict replay of the recorded trace asks the same questions */
    rec->h.cancel_rate = rec->h.timeout_rate = 16.0 / 256;
    rec->h.inject_rate = 64.0 / 256;
    /* the header's rates are nonzero: every injection question is asked */
    weft__exec_params p =
        weft__exec_params_from_header(&rec->h, &s.base, fn, arg, o->stack_size);
    p.observe = feedback ? observe : NULL;
    if (!feedback)
        weft__fuzz_counters[0] = 1; /* one constant feature, or libFuzzer gives up */
    int rc = weft__exec_run(&p, out);
    rec->h.steps = out->steps;
    if (rc == 0 && s.oom) {
        out->kind = WEFT_KIND_CRASH;
        snprintf(out->message, sizeof out->message, "out of memory recording the trace");
    }
    return rc;
}
