/*
 * strategy.c — the names of the exploration strategies.
 *
 * The canonical name goes into every trace header, so a replay never needs
 * to be told which strategy produced a schedule.
 */
#include "strategy.h"

#include <stdio.h>
#include <string.h>

int weft__strategy_parse(const char *text, weft__strategy *out, char *err,
                         size_t err_len)
{
    if (!text || !*text)
        text = "random";
    memset(out, 0, sizeof *out);
    if (strcmp(text, "random") == 0) {
        out->kind = WEFT__S_RANDOM;
        snprintf(out->name, sizeof out->name, "random");
        return 0;
    }
    snprintf(err, err_len, "unknown strategy '%s' (known: random)", text);
    return -1;
}
