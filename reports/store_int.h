/*
 * store_int.h — the store's insides, shared by store.c (open, schema,
 * record) and store_query.c (get, list, show, merge, gc).
 */
#ifndef WEFT_REPORTS_STORE_INT_H
#define WEFT_REPORTS_STORE_INT_H

#include <sqlite3.h>

#include "store.h"

struct weft__store {
    sqlite3 *db;
    char path[4096];
};

/* "<path>: <what>: <sqlite message>" into err. */
void weft__store_err(weft__store *s, char *err, size_t len, const char *what);
int weft__store_exec(weft__store *s, const char *sql, char *err, size_t len);
sqlite3_stmt *weft__store_prepare(weft__store *s, const char *sql, char *err,
                                  size_t len);
int64_t weft__store_int(weft__store *s, const char *sql);
int weft__store_begin(weft__store *s, char *err, size_t len);
int weft__store_commit(weft__store *s, char *err, size_t len);
void weft__store_rollback(weft__store *s);

#endif /* WEFT_REPORTS_STORE_INT_H */
