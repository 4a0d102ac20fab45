/*
 * report.c — the campaign report: failures deduplicated by signature, the
 * human-readable failure text, and the JSON summary.
 *
 * A failure's signature is XXH3 of its kind, its location and the shape of
 * its message (every run of digits folded to '#'), so "task 3 waits..." and
 * "task 4 waits..." from two schedules of one deadlock count as one failure
 * with two hits.
 */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *weft__strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *c = malloc(n);
    if (c)
        memcpy(c, s, n);
    return c;
}

uint64_t weft__failure_signature(int kind, const char *location,
                                 const char *message)
{
    XXH3_state_t st;
    XXH3_64bits_reset(&st);
    unsigned char k = (unsigned char)kind;
    XXH3_64bits_update(&st, &k, 1);
    XXH3_64bits_update(&st, location, strlen(location) + 1);
    char shape[1024];
    size_t o = 0;
    for (const char *p = message; *p && o + 1 < sizeof shape; p++) {
        if (*p >= '0' && *p <= '9') {
            if (o == 0 || shape[o - 1] != '#')
                shape[o++] = '#';
        } else {
            shape[o++] = *p;
        }
    }
    XXH3_64bits_update(&st, shape, o);
    return XXH3_64bits_digest(&st);
}

void weft__report_init(weft_report *r, const char *test, const char *strategy)
{
    memset(r, 0, sizeof *r);
    r->test = weft__strdup(test ? test : "");
    r->strategy = weft__strdup(strategy ? strategy : "");
    r->first_failure_execution = -1;
}

weft_failure *weft__report_find(weft_report *r, uint64_t signature)
{
    for (size_t i = 0; i < r->n_failures; i++)
        if (r->failures[i].signature == signature)
            return &r->failures[i];
    return NULL;
}

weft_failure *weft__report_add(weft_report *r)
{
    weft_failure *f = realloc(r->failures, (r->n_failures + 1) * sizeof *f);
    if (!f)
        return NULL;
    r->failures = f;
    f = &r->failures[r->n_failures++];
    memset(f, 0, sizeof *f);
    return f;
}

void weft_report_free(weft_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_failures; i++) {
        free(r->failures[i].message);
        free(r->failures[i].location);
        free(r->failures[i].trace);
        free(r->failures[i].replay_command);
    }
    free(r->failures);
    free(r->test);
    free(r->strategy);
    memset(r, 0, sizeof *r);
}

/* -------------------------------------------------------------- text */

void weft__failure_print(const weft_report *r, const weft_failure *f,
                         uint64_t total, FILE *out)
{
    char hex[17];
    weft__hash_hex(f->trace_hash, hex);
    fprintf(out, "FAIL %s: %s%s%s\n", r->test, weft_kind_name(f->kind),
            f->location[0] ? " at " : "", f->location);
    const char *p = f->message;
    while (*p) {
        const char *nl = strchr(p, '\n');
        int len = nl ? (int)(nl - p) : (int)strlen(p);
        fprintf(out, "  %.*s\n", len, p);
        p += len + (nl ? 1 : 0);
    }
    fprintf(out, "  strategy %s, seed %llu, execution %llu", r->strategy,
            (unsigned long long)f->seed, (unsigned long long)f->execution + 1);
    if (total && total != UINT64_MAX)
        fprintf(out, " of %llu", (unsigned long long)total);
    fprintf(out, ", %llu steps, schedule %s\n", (unsigned long long)f->steps, hex);
    fprintf(out, "  replay: %s\n", f->replay_command);
    fflush(out);
}

/* -------------------------------------------------------------- JSON */

static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (*p < 0x20)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f);
        }
    }
    fputc('"', f);
}

static void json_failure(FILE *f, const weft_failure *x)
{
    char hex[17];
    weft__hash_hex(x->trace_hash, hex);
    fputs("{\"kind\":", f);
    json_string(f, weft_kind_name(x->kind));
    fputs(",\"message\":", f);
    json_string(f, x->message);
    fputs(",\"location\":", f);
    json_string(f, x->location);
    fprintf(f, ",\"seed\":%llu,\"execution\":%llu,\"steps\":%llu,\"hits\":%llu",
            (unsigned long long)x->seed, (unsigned long long)x->execution,
            (unsigned long long)x->steps, (unsigned long long)x->hits);
    fprintf(f, ",\"schedule\":\"%s\",\"replay\":", hex);
    json_string(f, x->replay_command);
    fputc('}', f);
}

void weft_report_json(const weft_report *r, void *file)
{
    FILE *f = file;
    fputs("{\"test\":", f);
    json_string(f, r->test);
    fputs(",\"strategy\":", f);
    json_string(f, r->strategy);
    fprintf(f, ",\"executions\":%llu,\"failed_executions\":%llu,\"failures\":[",
            (unsigned long long)r->executions, (unsigned long long)r->failed_executions);
    for (size_t i = 0; i < r->n_failures; i++) {
        if (i)
            fputc(',', f);
        json_failure(f, &r->failures[i]);
    }
    fputs("],\"first_failure_execution\":", f);
    if (r->first_failure_execution < 0)
        fputs("null", f);
    else
        fprintf(f, "%lld", (long long)r->first_failure_execution);
    char hex[17];
    weft__hash_hex(r->last_trace_hash, hex);
    fprintf(f, ",\"distinct_schedules\":%llu,\"elapsed_s\":%.6f,\"last_schedule\":\"%s\""
               ",\"time_limited\":%s,\"diverged\":%s,\"exhausted\":%s"
               ",\"distinct_estimated\":%s}",
            (unsigned long long)r->distinct_schedules, r->elapsed_s, hex,
            r->time_limited ? "true" : "false", r->diverged ? "true" : "false",
            r->exhausted ? "true" : "false", r->distinct_estimated ? "true" : "false");
}
