/*
 * fuzz_schedule_example.c — a plain libFuzzer target (LLVMFuzzerTestOneInput
 * only: no weft_main, no LLVMFuzzerRunDriver) that lets the fuzzing engine
 * choose the schedule of one WEFT_TEST, as `BIN fuzz NAME` does. This is
 * the form OSS-Fuzz, ClusterFuzzLite and AFL++ run.
 *
 * Compile it together with the file that defines the test and name the
 * test with -DWEFT_FUZZ_TEST='"lost_update"' (default: the only test whose
 * name has no "_fixed" suffix, if there is exactly one). Each input is a
 * complete schedule (fuzz/source.c: one byte per decision, a PRNG seeded
 * from the input's hash past its end); the interleaving features reach the
 * engine through the extra-counters section. A failing schedule is printed
 * and the process aborts, so the engine saves the input as its crash
 * artifact, which replays with the example's own binary:
 *
 *   BIN replay NAME --trace crash-<sha1>
 *
 * Failures are not recorded in a store unless $WEFT_FUZZ_DB names one
 * (under OSS-Fuzz only /tmp is writable: e.g. WEFT_FUZZ_DB=/tmp/weft.db);
 * a stored failure replays with `BIN replay NAME --db FILE --id N` (the
 * store records no build for it: this binary does not answer `replay`).
 *
 *   clang -g -O1 -fsanitize=fuzzer,address -D_GNU_SOURCE -Iinclude \
 *       -DWEFT_FUZZ_TEST='"lost_update"' fuzz/fuzz_schedule_example.c \
 *       examples/lost_update.c <the weft library sources or libweft.a> \
 *       -lsqlite3 -lm -lpthread -o fuzz_lost_update
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "../reports/store.h"
#include "../scheduler/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static const weft_test_def *test;
static weft_options opts;
static weft__trace trace;
static weft__store *store;
static const char *argv0 = "BIN";

/* The test to fuzz: WEFT_FUZZ_TEST, or the one test not named *_fixed. */
static const weft_test_def *pick_test(void)
{
#ifdef WEFT_FUZZ_TEST
    return weft_test_find(WEFT_FUZZ_TEST);
#else
    size_t n, found = 0;
    const weft_test_def *const *all = weft_tests(&n), *t = NULL;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(all[i]->name);
        if (len < 6 || strcmp(all[i]->name + len - 6, "_fixed") != 0) {
            t = all[i];
            found++;
        }
    }
    return found == 1 ? t : NULL;
#endif
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    if (argc && argv && *argc > 0)
        argv0 = (*argv)[0];
    test = pick_test();
    if (!test) {
        fprintf(stderr, "fuzz_schedule_example: no test to fuzz (define WEFT_FUZZ_TEST)\n");
        abort();
    }
    opts = (weft_options)WEFT_OPTIONS_INIT;
    weft__trace_init(&trace);
    const char *db = getenv("WEFT_FUZZ_DB");
    if (db && *db) {
        char err[512];
        /* no build row: this binary does not answer `replay`; the
         * example's own binary replays the stored schedule */
        if (weft__store_open(db, WEFT__STORE_WRITE, &store, err, sizeof err) != 0) {
            fprintf(stderr, "fuzz_schedule_example: %s (continuing without a store)\n", err);
            store = NULL;
        }
    }
    return 0;
}

static void record(const weft__outcome *oc)
{
    uint8_t *bytes = NULL;
    size_t len = 0;
    char err[512];
    if (!store || weft__trace_encode(&trace, &bytes, &len) != 0)
        return;
    weft_failure_event ev = {
        .test = test->name, .strategy = WEFT__FUZZ_STRATEGY, .kind = oc->kind,
        .message = oc->message, .location = oc->location, .seed = trace.h.seed,
        .execution = 1, .steps = oc->steps,
        .signature = weft__failure_signature(oc->kind, oc->location, oc->message),
        .trace_hash = weft__trace_hash(&trace), .trace = bytes, .trace_len = len,
        .first_of_signature = true,
    };
    if (weft__store_record(store, NULL, 0, &ev, "{\"strategy\":\"fuzz\"}", err,
                           sizeof err) != 0)
        fprintf(stderr, "weft: failure store: %s\n", err);
    else
        fprintf(stderr, "  stored in %s (weft --db %s list)\n", weft__store_path(store),
                weft__store_path(store));
    free(bytes);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!test)
        LLVMFuzzerInitialize(NULL, NULL);
    weft__outcome oc;
    if (weft__fuzz_run(test->name, test->fn, NULL, data, size, &opts, true, &trace, &oc) != 0)
        return 0; /* could not run (out of memory): not the program's fault */
    if (oc.kind == WEFT_KIND_NONE)
        return 0;
    char hex[17];
    weft__hash_hex(weft__trace_hash(&trace), hex);
    fprintf(stderr, "FAIL %s: %s%s%s\n  %s\n  strategy fuzz, %llu steps, schedule %s\n"
                    "  replay: <the test binary> replay %s --trace <this crash- file>\n",
            test->name, weft_kind_name(oc.kind), oc.location[0] ? " at " : "", oc.location,
            oc.message, (unsigned long long)oc.steps, hex, test->name);
    record(&oc);
    fflush(stderr);
    abort(); /* the engine saves this input as its crash artifact */
}
