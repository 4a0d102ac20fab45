/*
 * strategy.h — parsing --strategy values and creating their decision
 * sources.
 */
#ifndef WEFT_SCHEDULER_STRATEGY_H
#define WEFT_SCHEDULER_STRATEGY_H

#include <stddef.h>

enum weft__strategy_kind {
    WEFT__S_RANDOM = 1,
};

typedef struct weft__strategy {
    int kind;
    char name[64];      /* canonical text, as stored in traces */
} weft__strategy;

/* Parses text (NULL or "": "random"). Returns 0, or -1 with a one-line
 * message in err naming the known strategies. */
int weft__strategy_parse(const char *text, weft__strategy *out, char *err,
                         size_t err_len);

#endif /* WEFT_SCHEDULER_STRATEGY_H */
