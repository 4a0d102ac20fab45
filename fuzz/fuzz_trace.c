/*
 * fuzz_trace.c — libFuzzer target for the trace decoder (scheduler/trace.c).
 *
 * Property checked on every input: decoding is total (no crash, no overread,
 * no leak, no allocation beyond what the input justifies), and whatever
 * decodes survives a round trip: it re-encodes to exactly the input bytes
 * (every trace has one encoding) and decodes again to an equal trace.
 *
 * A random mutation almost never keeps the trailing XXH3 checksum right, so
 * each input is also tried with its last 8 bytes replaced by the correct
 * checksum: that lets the fuzzer reach the semantic checks behind it.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iruntime -Ischeduler \
 *       fuzz/fuzz_trace.c scheduler/trace.c -o fuzz_trace
 *   ./fuzz_trace corpus/fuzz_trace
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../scheduler/trace.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Decodes data; if it decodes, checks the round trip (abort on mismatch). */
static void check(const uint8_t *data, size_t size)
{
    weft__trace t, u;
    char err[256];
    uint8_t *enc;
    size_t len;

    weft__trace_init(&t);
    weft__trace_init(&u);
    if (weft__trace_decode(data, size, &t, err, sizeof err) != 0) {
        if (err[0] == '\0' || t.len != 0) /* failures must say why */
            abort();
        goto out_free;
    }
    if (weft__trace_encode(&t, &enc, &len) != 0)
        abort(); /* a decoded trace is valid, so only OOM could fail here */
    if (len != size || memcmp(enc, data, size) != 0)
        abort();
    if (weft__trace_decode(enc, len, &u, err, sizeof err) != 0 ||
        !weft__trace_equal(&t, &u) ||
        weft__trace_hash(&t) != weft__trace_hash(&u))
        abort();
    free(enc);
out_free:
    weft__trace_free(&t);
    weft__trace_free(&u);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check(data, size);
    if (size < 8)
        return 0;

    /* The same bytes with a correct checksum; an exact-size copy so that
     * ASan still catches reads past the end. */
    uint8_t *sealed = malloc(size);
    if (sealed == NULL)
        return 0;
    memcpy(sealed, data, size);
    uint64_t h = XXH3_64bits(sealed, size - 8);
    for (int i = 0; i < 8; i++)
        sealed[size - 8 + i] = (uint8_t)(h >> (8 * i));
    check(sealed, size);
    free(sealed);
    return 0;
}
