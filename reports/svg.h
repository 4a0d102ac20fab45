/*
 * svg.h — the drawings of the HTML report, each an inline <svg> element:
 * the swimlane timeline of one execution and the deadlock's wait-for
 * graph; and the escaping every HTML writer here shares.
 *
 * Everything written is self-contained: no external references, element
 * ids prefixed per drawing (two timelines share one page), hover text in
 * <title> children so it works without scripts.
 */
#ifndef WEFT_REPORTS_SVG_H
#define WEFT_REPORTS_SVG_H

#include <stdio.h>

#include "timeline.h"

/* Rows of a report timeline before it folds harder (see weft__tl_rows). */
#define WEFT__SVG_ROW_BUDGET 250

/* Writes s escaped for HTML/XML text and attribute values; at most max
 * characters (0: all), cut at a character boundary and ended with an
 * ellipsis when longer. */
void weft__xml_text(FILE *out, const char *s, size_t max);

/* The swimlane timeline of tl: one lane per task (class="lane"), a row per
 * event that matters, arrows for hand-offs and wake-ups, cancellations,
 * timeouts and the failure marked, step and virtual time on the left, the
 * file:line of each row on the right. id prefixes its element ids. Returns
 * 0, or -1 when out of memory (nothing useful written). */
int weft__svg_timeline(FILE *out, const weft__timeline *tl, const char *id);

/* The legend explaining the timeline's marks. */
void weft__svg_legend(FILE *out);

/* The wait-for graph of the tasks blocked at tl's end: task -> object ->
 * holder task, cycles in red. Writes nothing and returns 0 when no task is
 * blocked; else returns how many waits it drew. */
int weft__svg_waitfor(FILE *out, const weft__timeline *tl);

#endif /* WEFT_REPORTS_SVG_H */
