/*
 * html.h — failure reports and campaign pages as single HTML files.
 *
 * Every page is self-contained: inline CSS and SVG, no fonts, images or
 * scripts from anywhere else, readable with scripts off (one inline line
 * only marks the page as loaded, for the end-to-end test). Sizes stay
 * bounded whatever the run's length: long stretches are folded (see
 * weft__tl_rows), so a 10,000-step schedule is a few hundred rows.
 */
#ifndef WEFT_REPORTS_HTML_H
#define WEFT_REPORTS_HTML_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "timeline.h"

/* The failure report: title, the failure (kind, message, location), the
 * replay command, options and seed (from the trace header), what happened
 * (the wait-for graph of a deadlock, the key moments, the tasks and the
 * objects involved with their lines), and the swimlane timelines of the
 * original schedule and, when given, the minimized one side by side.
 * Returns 0, or -1 with a message (out of memory, write error). */
int weft__report_html(FILE *out, const char *replay_command,
                      const weft__timeline *original,
                      const weft__timeline *minimized, char *err,
                      size_t err_len);

/* The campaign page of the store at db_path: the campaign (campaign_id, 0:
 * the latest), its executions and failures, when each failure was found
 * and by which strategy, and the test's history over all its campaigns, as
 * SVG plots. Returns 0, or -1 with a message (no such store or campaign). */
int weft__campaign_html(const char *db_path, int64_t campaign_id, FILE *out,
                        char *err, size_t err_len);

/* The shared head of every page: doctype, title (escaped) and style. */
void weft__html_head(FILE *out, const char *title);
/* The shared end: the load marker script and the closing tags. */
void weft__html_tail(FILE *out);

#endif /* WEFT_REPORTS_HTML_H */
