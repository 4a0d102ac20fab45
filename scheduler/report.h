/*
 * report.h — building weft_report values: deduplicated failures, the text a
 * person reads, and the JSON a script reads.
 */
#ifndef WEFT_SCHEDULER_REPORT_H
#define WEFT_SCHEDULER_REPORT_H

#include <stdio.h>

#include <weft/weft.h>

#include "trace.h"

char *weft__strdup(const char *s);
/* XXH3 of kind, location and the message's shape (digit runs folded). */
uint64_t weft__failure_signature(int kind, const char *location,
                                 const char *message);
void weft__report_init(weft_report *r, const char *test, const char *strategy);
/* The failure with this signature, or NULL. */
weft_failure *weft__report_find(weft_report *r, uint64_t signature);
/* Appends a zeroed failure; NULL when out of memory. */
weft_failure *weft__report_add(weft_report *r);
/* The failure as a person reads it: what, where, seed and replay command.
 * total: executions planned (0: unknown). */
void weft__failure_print(const weft_report *r, const weft_failure *f,
                         uint64_t total, FILE *out);

#endif /* WEFT_SCHEDULER_REPORT_H */
