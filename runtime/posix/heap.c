/*
 * heap.c — the program's heap and the program's own state, reset for
 * every execution.
 *
 * weft runs thousands of executions of a program in one process, so each
 * must start from the state a fresh process has. weft-cc moves the
 * program's writable data (.data, .bss) into sections weft_udata and
 * weft_ubss and redirects its malloc/free/new/delete here. Before the first
 * execution this file snapshots those sections and the "startup heap"
 * (what static constructors allocated); every execution restores them and
 * empties the "execution heap". Allocation inside an execution is then
 * deterministic: the same schedule gets the same addresses, in any process.
 *
 * The execution heap also does part of AddressSanitizer's job, since a
 * TSan-instrumented program cannot also be built with ASan: freed blocks sit
 * in a quarantine before reuse, and every instrumented access into the heap
 * is checked (tsan.c calls wp_heap_check), so a use after free, a double or
 * invalid free, or an access past a block's end ends the execution as a
 * `crash` failure naming the access, the block and where it was allocated
 * and freed.
 *
 * Layout: the execution heap is one reserved range of 64 KiB pages. A page
 * holds blocks of one size class, or is part of a run of pages holding one
 * large block; a page table says which. Every block starts with a 32-byte
 * header (size, state, offset of the user pointer, allocation and free
 * sites); memory is handed out zeroed so that no byte of an earlier
 * execution can steer this one. Pointers that are in neither heap came from
 * libc (strdup, getline) and go back to libc.
 *
 * Not thread-safe: weft runs a program's executions on one OS thread.
 */
#include "posix.h"

#include <stdio.h>
#include <string.h>
#include <malloc.h>
#include <sys/mman.h>

extern void *__libc_malloc(size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);

extern char __start_weft_udata[] __attribute__((weak));
extern char __stop_weft_udata[] __attribute__((weak));
extern char __start_weft_ubss[] __attribute__((weak));
extern char __stop_weft_ubss[] __attribute__((weak));

#define PAGE_SHIFT 16
#define PAGE_SIZE ((size_t)1 << PAGE_SHIFT)
/* Both heaps sit below 2 GiB when that space is free, where a non-PIE
 * process's brk heap would be: old programs that call malloc without its
 * prototype (an int return) keep working, as they did when built that way. */
#define EXEC_RESERVE ((size_t)1536 << 20)
#define EXEC_AT ((uintptr_t)0x20000000)
#define STARTUP_RESERVE ((size_t)256 << 20)
#define STARTUP_AT ((uintptr_t)0x10000000)
#define HDR 32u
#define QUARANTINE_BYTES ((size_t)4 << 20)
#define QUARANTINE_MAX 8192u
#define LARGE_FLAG 0x80000000u
#define ST_ALLOC 0xA110CA7Eu
#define ST_FREED 0xF4EEDF4Eu

typedef struct hdr {
    uint64_t size;         /* requested bytes */
    uint32_t state;        /* ST_ALLOC, ST_FREED, else never handed out */
    uint32_t user_off;     /* user pointer = header + user_off */
    uint32_t alloc_thread, free_thread;
    uint32_t alloc_pc_off, free_pc_off; /* pcs relative to wp_heap_describe's base */
} hdr;
_Static_assert(sizeof(hdr) <= HDR, "header size");

static const uint32_t class_size[] = {
    64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048, 3072, 4096,
    6144, 8192, 12288, 16384, 24576, 32768,
};
#define NCLASS (sizeof class_size / sizeof class_size[0])

typedef struct sclass {
    uintptr_t cur;         /* next never-used block in the current page */
    uintptr_t end;         /* end of the current page's blocks */
    uintptr_t free;        /* singly linked free blocks (out of quarantine) */
} sclass;

uintptr_t wp_heap_lo, wp_heap_hi;   /* execution heap: [lo, hi) */
static uint32_t *pages;             /* page table */
static size_t used_pages, peak_pages;
static sclass classes[NCLASS];
static uintptr_t large_free;        /* freed large blocks, by first-fit */
static uintptr_t *quar;             /* FIFO ring of freed blocks */
static size_t quar_head, quar_n, quar_bytes;

static uintptr_t st_lo, st_top, st_hi; /* startup heap: bump allocator */
static char *snap;                  /* snapshot: udata, ubss, startup heap */
static size_t snap_heap_top;
static bool snapped;

/* -------------------------------------------------------------- regions */

/* Reserves size bytes at at if free, else anywhere. */
static void *reserve(uintptr_t at, size_t size)
{
    int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
    void *p = mmap((void *)at, size, PROT_READ | PROT_WRITE, flags | MAP_FIXED_NOREPLACE, -1, 0);
    if (p != MAP_FAILED && (uintptr_t)p != at) {
        munmap(p, size); /* an old kernel took the hint as a hint */
        p = MAP_FAILED;
    }
    if (p == MAP_FAILED)
        p = mmap(NULL, size, PROT_READ | PROT_WRITE, flags, -1, 0);
    return p;
}

static bool exec_ready(void)
{
    if (wp_heap_lo)
        return true;
    void *p = reserve(EXEC_AT, EXEC_RESERVE);
    if (p == MAP_FAILED)
        return false;
    pages = calloc(EXEC_RESERVE >> PAGE_SHIFT, sizeof *pages);
    quar = calloc(QUARANTINE_MAX, sizeof *quar);
    if (!pages || !quar) {
        munmap(p, EXEC_RESERVE);
        return false;
    }
    wp_heap_lo = (uintptr_t)p;
    wp_heap_hi = wp_heap_lo + EXEC_RESERVE;
    return true;
}

static bool startup_ready(void)
{
    if (st_lo)
        return true;
    void *p = reserve(STARTUP_AT, STARTUP_RESERVE);
    if (p == MAP_FAILED)
        return false;
    st_lo = st_top = (uintptr_t)p;
    st_hi = st_lo + STARTUP_RESERVE;
    return true;
}

static inline bool in_exec(uintptr_t a)
{
    return a - wp_heap_lo < EXEC_RESERVE && wp_heap_lo;
}

static inline bool in_startup(uintptr_t a)
{
    return st_lo && a >= st_lo && a < st_top;
}

static uint32_t pc_off(uintptr_t pc)
{
    return (uint32_t)(pc - (uintptr_t)&wp_heap_describe);
}

static uintptr_t off_pc(uint32_t off)
{
    return off ? (uintptr_t)&wp_heap_describe + (int32_t)off : 0;
}

static uint32_t current_thread(void)
{
    wp_exec *x = wp_exec_get();
    return x ? wp_self(x)->index + 1 : 0;
}

/* The block holding a (exec heap), or 0 when a's page is unused. */
static uintptr_t block_of(uintptr_t a)
{
    size_t pg = (a - wp_heap_lo) >> PAGE_SHIFT;
    if (pg >= used_pages)
        return 0;
    uint32_t v = pages[pg];
    if (!v)
        return 0;
    if (v & LARGE_FLAG)
        return wp_heap_lo + ((size_t)(v & ~LARGE_FLAG) << PAGE_SHIFT);
    uintptr_t base = wp_heap_lo + (pg << PAGE_SHIFT);
    uint32_t bs = class_size[v - 1];
    return base + (a - base) / bs * bs;
}

/* ---------------------------------------------------------- allocation */

static uintptr_t new_pages(size_t n)
{
    if (used_pages + n > (EXEC_RESERVE >> PAGE_SHIFT))
        return 0;
    uintptr_t p = wp_heap_lo + (used_pages << PAGE_SHIFT);
    used_pages += n;
    if (used_pages > peak_pages)
        peak_pages = used_pages;
    return p;
}

static uintptr_t class_block(size_t c)
{
    sclass *s = &classes[c];
    if (s->free) {
        uintptr_t b = s->free;
        memcpy(&s->free, (void *)(b + HDR), sizeof s->free);
        return b;
    }
    if (s->cur + class_size[c] > s->end || !s->cur) {
        uintptr_t p = new_pages(1);
        if (!p)
            return 0;
        size_t pg = (p - wp_heap_lo) >> PAGE_SHIFT;
        pages[pg] = (uint32_t)c + 1;
        /* stale headers of an earlier execution must not look allocated */
        for (uintptr_t b = p; b + class_size[c] <= p + PAGE_SIZE; b += class_size[c])
            ((hdr *)b)->state = 0;
        s->cur = p;
        s->end = p + PAGE_SIZE / class_size[c] * class_size[c];
    }
    uintptr_t b = s->cur;
    s->cur += class_size[c];
    return b;
}

static uintptr_t large_block(size_t total)
{
    size_t n = (total + PAGE_SIZE - 1) >> PAGE_SHIFT;
    /* first fit among freed large blocks of exactly n pages */
    for (uintptr_t *pp = &large_free; *pp;) {
        uintptr_t b = *pp;
        size_t bn = 1;
        size_t pg = (b - wp_heap_lo) >> PAGE_SHIFT;
        while (pg + bn < used_pages && pages[pg + bn] == (LARGE_FLAG | pg))
            bn++;
        uintptr_t next;
        memcpy(&next, (void *)(b + HDR), sizeof next);
        if (bn == n) {
            *pp = next;
            return b;
        }
        pp = (uintptr_t *)(b + HDR);
    }
    uintptr_t p = new_pages(n);
    if (!p)
        return 0;
    size_t pg = (p - wp_heap_lo) >> PAGE_SHIFT;
    for (size_t i = 0; i < n; i++)
        pages[pg + i] = LARGE_FLAG | (uint32_t)pg;
    return p;
}

static size_t block_capacity(uintptr_t b)
{
    size_t pg = (b - wp_heap_lo) >> PAGE_SHIFT;
    uint32_t v = pages[pg];
    if (!(v & LARGE_FLAG))
        return class_size[v - 1];
    size_t n = 1;
    while (pg + n < used_pages && pages[pg + n] == v)
        n++;
    return n << PAGE_SHIFT;
}

/* size bytes at a multiple of align (>= 16) inside a block of the
 * execution heap, zeroed. NULL when the reserve is exhausted. */
static void *exec_alloc(size_t size, size_t align, uintptr_t pc)
{
    if (!exec_ready() || size > EXEC_RESERVE / 2)
        return NULL;
    size_t extra = align > 16 ? align : 0;
    size_t total = HDR + size + extra;
    uintptr_t b = 0;
    size_t c = 0;
    while (c < NCLASS && class_size[c] < total)
        c++;
    b = c < NCLASS ? class_block(c) : large_block(total);
    if (!b)
        return NULL;
    uintptr_t user = b + HDR;
    if (extra)
        user = (user + align - 1) & ~(uintptr_t)(align - 1);
    hdr *h = (hdr *)b;
    h->size = size;
    h->state = ST_ALLOC;
    h->user_off = (uint32_t)(user - b);
    h->alloc_thread = current_thread();
    h->free_thread = 0;
    h->alloc_pc_off = pc_off(pc);
    h->free_pc_off = 0;
    memset((void *)user, 0, size);
    if (wp_cfg_races) {
        wp_exec *x = wp_exec_get();
        if (x)
            wp_race_forget(x, user, size);
    }
    return (void *)user;
}

static void *startup_alloc(size_t size, size_t align, uintptr_t pc)
{
    if (!startup_ready())
        return NULL;
    if (align < 16)
        align = 16;
    uintptr_t user = (st_top + HDR + align - 1) & ~(uintptr_t)(align - 1);
    if (size > st_hi - user)
        return NULL;
    hdr *h = (hdr *)(user - HDR);
    memset(h, 0, sizeof *h);
    h->size = size;
    h->state = ST_ALLOC;
    h->user_off = HDR;
    h->alloc_pc_off = pc_off(pc);
    st_top = (user + size + 15) & ~(uintptr_t)15;
    return (void *)user;
}

static void *alloc(size_t size, size_t align, uintptr_t pc)
{
    void *p = weft__rt_get() ? exec_alloc(size, align, pc) : startup_alloc(size, align, pc);
    if (!p)
        errno = ENOMEM;
    return p;
}

/* -------------------------------------------------------------- freeing */

static WEFT_NORETURN void bad_free(const char *what, uintptr_t p, const hdr *h, uintptr_t pc)
{
    char desc[512] = "";
    if (h)
        wp_heap_describe(p, desc, sizeof desc);
    wp_fail(WEFT_KIND_CRASH, pc, "%s of %s%s", what, desc[0] ? "" : "pointer ",
            desc[0] ? desc : "outside any heap block");
}

static void quarantine(uintptr_t b, size_t bytes)
{
    if (quar_n == QUARANTINE_MAX || quar_bytes + bytes > QUARANTINE_BYTES) {
        while (quar_n && (quar_n == QUARANTINE_MAX || quar_bytes + bytes > QUARANTINE_BYTES)) {
            uintptr_t old = quar[quar_head];
            quar_head = (quar_head + 1) % QUARANTINE_MAX;
            quar_n--;
            size_t cap = block_capacity(old);
            quar_bytes -= cap;
            size_t pg = (old - wp_heap_lo) >> PAGE_SHIFT;
            uintptr_t *head = (pages[pg] & LARGE_FLAG) ? &large_free
                                                        : &classes[pages[pg] - 1].free;
            memcpy((void *)(old + HDR), head, sizeof *head);
            *head = old;
        }
    }
    quar[(quar_head + quar_n) % QUARANTINE_MAX] = b;
    quar_n++;
    quar_bytes += bytes;
}

static void release(void *ptr, uintptr_t pc)
{
    uintptr_t p = (uintptr_t)ptr;
    if (!p)
        return;
    bool live = weft__rt_get() != NULL;
    if (in_exec(p)) {
        uintptr_t b = block_of(p);
        hdr *h = (hdr *)b;
        if (!b || h->state == 0 || p != b + h->user_off) {
            if (live)
                bad_free("free() of a pointer that is not the start of a heap block", p,
                         NULL, pc);
            return;
        }
        if (h->state == ST_FREED) {
            if (live)
                bad_free("double free", p, h, pc);
            return;
        }
        h->state = ST_FREED;
        h->free_thread = current_thread();
        h->free_pc_off = pc_off(pc);
        if (live)
            quarantine(b, block_capacity(b));
        return;
    }
    if (in_startup(p)) {
        hdr *h = (hdr *)(p - HDR);
        if (h->state == ST_FREED && live)
            bad_free("double free", p, NULL, pc);
        h->state = ST_FREED;
        return;
    }
    if (p >= st_lo && p < st_hi)
        return; /* startup heap above the snapshot: never reused */
    __libc_free(ptr);
}

static size_t usable(uintptr_t p)
{
    if (in_exec(p)) {
        uintptr_t b = block_of(p);
        return b ? ((hdr *)b)->size : 0;
    }
    if (in_startup(p))
        return ((hdr *)(p - HDR))->size;
    return 0;
}

static bool ours(uintptr_t p)
{
    return in_exec(p) || (st_lo && p >= st_lo && p < st_hi);
}

/* --------------------------------------------------- the program's calls */

void *weft__posix_malloc(size_t n)
{
    return alloc(n, 16, WP_PC());
}

void *weft__posix_calloc(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size) {
        errno = ENOMEM;
        return NULL;
    }
    return alloc(n * size, 16, WP_PC());
}

static void *do_realloc(void *old, size_t n, uintptr_t pc)
{
    if (!old)
        return alloc(n, 16, pc);
    if (!ours((uintptr_t)old))
        return __libc_realloc(old, n);
    size_t have = usable((uintptr_t)old);
    if (in_exec((uintptr_t)old)) {
        uintptr_t b = block_of((uintptr_t)old);
        if (!b || ((hdr *)b)->state != ST_ALLOC) {
            release(old, pc); /* reports the bad or double free */
            return NULL;
        }
    }
    void *p = alloc(n, 16, pc);
    if (!p)
        return NULL;
    memcpy(p, old, have < n ? have : n);
    release(old, pc);
    return p;
}

void *weft__posix_realloc(void *old, size_t n)
{
    return do_realloc(old, n, WP_PC());
}

void *weft__posix_reallocarray(void *old, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size) {
        errno = ENOMEM;
        return NULL;
    }
    return do_realloc(old, n * size, WP_PC());
}

void weft__posix_free(void *p)
{
    release(p, WP_PC());
}

static bool pow2(size_t a)
{
    return a && !(a & (a - 1));
}

void *weft__posix_memalign(size_t align, size_t n)
{
    if (!pow2(align)) {
        errno = EINVAL;
        return NULL;
    }
    return alloc(n, align < 16 ? 16 : align, WP_PC());
}

void *weft__posix_aligned_alloc(size_t align, size_t n)
{
    if (!pow2(align)) {
        errno = EINVAL;
        return NULL;
    }
    return alloc(n, align < 16 ? 16 : align, WP_PC());
}

int weft__posix_posix_memalign(void **out, size_t align, size_t n)
{
    if (!pow2(align) || align % sizeof(void *))
        return EINVAL;
    void *p = alloc(n, align < 16 ? 16 : align, WP_PC());
    if (!p)
        return ENOMEM;
    *out = p;
    return 0;
}

void *weft__posix_valloc(size_t n)
{
    return alloc(n, 4096, WP_PC());
}

size_t weft__posix_malloc_usable_size(void *p)
{
    if (!p)
        return 0;
    return ours((uintptr_t)p) ? usable((uintptr_t)p) : (size_t)malloc_usable_size(p);
}

char *weft__posix_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = alloc(n, 16, WP_PC());
    if (p)
        memcpy(p, s, n);
    return p;
}

char *weft__posix_strndup(const char *s, size_t max)
{
    size_t n = strnlen(s, max);
    char *p = alloc(n + 1, 16, WP_PC());
    if (p)
        memcpy(p, s, n);
    return p;
}

/* C++: operator new throws std::bad_alloc when out of memory; here the
 * program is stopped instead (running out of a 1.5 GiB heap is not a
 * schedule property). */
static void *must(void *p, size_t n, uintptr_t pc)
{
    if (!p && weft__rt_get())
        wp_fail(WEFT_KIND_CRASH, pc, "operator new(%zu): out of memory", n);
    if (!p)
        abort();
    return p;
}

void *weft__posix_new(size_t n)
{
    return must(alloc(n ? n : 1, 16, WP_PC()), n, WP_PC());
}

void *weft__posix_new_nothrow(size_t n, const void *tag)
{
    (void)tag;
    return alloc(n ? n : 1, 16, WP_PC());
}

void *weft__posix_new_aligned(size_t n, size_t align)
{
    return must(alloc(n ? n : 1, align < 16 ? 16 : align, WP_PC()), n, WP_PC());
}

void *weft__posix_new_aligned_nothrow(size_t n, size_t align, const void *tag)
{
    (void)tag;
    return alloc(n ? n : 1, align < 16 ? 16 : align, WP_PC());
}

void weft__posix_delete(void *p)
{
    release(p, WP_PC());
}

void weft__posix_delete_sized(void *p, size_t n)
{
    (void)n;
    release(p, WP_PC());
}

void weft__posix_delete_aligned(void *p, size_t align)
{
    (void)align;
    release(p, WP_PC());
}

void weft__posix_delete_sized_aligned(void *p, size_t n, size_t align)
{
    (void)n, (void)align;
    release(p, WP_PC());
}

/* weft-cc maps each symbol to its own name (objcopy's rule). */
#define WP_ALIAS(ret, name, params, target)                                   \
    ret name params __attribute__((alias(#target)));
WP_ALIAS(char *, weft__posix___strdup, (const char *s), weft__posix_strdup)
WP_ALIAS(void *, weft__posix__Znwm, (size_t n), weft__posix_new)
WP_ALIAS(void *, weft__posix__Znam, (size_t n), weft__posix_new)
WP_ALIAS(void *, weft__posix__ZnwmRKSt9nothrow_t, (size_t n, const void *t),
         weft__posix_new_nothrow)
WP_ALIAS(void *, weft__posix__ZnamRKSt9nothrow_t, (size_t n, const void *t),
         weft__posix_new_nothrow)
WP_ALIAS(void *, weft__posix__ZnwmSt11align_val_t, (size_t n, size_t a),
         weft__posix_new_aligned)
WP_ALIAS(void *, weft__posix__ZnamSt11align_val_t, (size_t n, size_t a),
         weft__posix_new_aligned)
WP_ALIAS(void *, weft__posix__ZnwmSt11align_val_tRKSt9nothrow_t,
         (size_t n, size_t a, const void *t), weft__posix_new_aligned_nothrow)
WP_ALIAS(void *, weft__posix__ZnamSt11align_val_tRKSt9nothrow_t,
         (size_t n, size_t a, const void *t), weft__posix_new_aligned_nothrow)
WP_ALIAS(void, weft__posix__ZdlPv, (void *p), weft__posix_delete)
WP_ALIAS(void, weft__posix__ZdaPv, (void *p), weft__posix_delete)
WP_ALIAS(void, weft__posix__ZdlPvRKSt9nothrow_t, (void *p, size_t t), weft__posix_delete_sized)
WP_ALIAS(void, weft__posix__ZdaPvRKSt9nothrow_t, (void *p, size_t t), weft__posix_delete_sized)
WP_ALIAS(void, weft__posix__ZdlPvm, (void *p, size_t n), weft__posix_delete_sized)
WP_ALIAS(void, weft__posix__ZdaPvm, (void *p, size_t n), weft__posix_delete_sized)
WP_ALIAS(void, weft__posix__ZdlPvSt11align_val_t, (void *p, size_t a), weft__posix_delete_aligned)
WP_ALIAS(void, weft__posix__ZdaPvSt11align_val_t, (void *p, size_t a), weft__posix_delete_aligned)
WP_ALIAS(void, weft__posix__ZdlPvSt11align_val_tRKSt9nothrow_t, (void *p, size_t a),
         weft__posix_delete_aligned)
WP_ALIAS(void, weft__posix__ZdaPvSt11align_val_tRKSt9nothrow_t, (void *p, size_t a),
         weft__posix_delete_aligned)
WP_ALIAS(void, weft__posix__ZdlPvmSt11align_val_t, (void *p, size_t n, size_t a),
         weft__posix_delete_sized_aligned)
WP_ALIAS(void, weft__posix__ZdaPvmSt11align_val_t, (void *p, size_t n, size_t a),
         weft__posix_delete_sized_aligned)

/* Called by the global free/realloc of a weft-cc program (program_main.c)
 * for pointers libraries hand back; false: not ours, libc's. */
bool weft__posix_heap_free(void *p)
{
    if (!ours((uintptr_t)p))
        return false;
    release(p, WP_PC());
    return true;
}

bool weft__posix_heap_realloc(void *p, size_t n, void **out)
{
    if (!p || !ours((uintptr_t)p))
        return false;
    *out = do_realloc(p, n, WP_PC());
    return true;
}

size_t weft__posix_heap_usable(void *p, bool *mine)
{
    *mine = p && ours((uintptr_t)p);
    return *mine ? usable((uintptr_t)p) : 0;
}

/* ------------------------------------------------------ checks, reports */

void wp_heap_describe(uintptr_t a, char *buf, size_t len)
{
    hdr *h = NULL;
    uintptr_t user = 0;
    if (in_exec(a)) {
        uintptr_t b = block_of(a);
        if (b && ((hdr *)b)->state) {
            h = (hdr *)b;
            user = b + h->user_off;
        }
    } else if (in_startup(a)) {
        snprintf(buf, len, "memory allocated before main");
        return;
    }
    if (!h) {
        snprintf(buf, len, "heap memory outside any block");
        return;
    }
    char aw[256], fw[256];
    wp_where(off_pc(h->alloc_pc_off), aw, sizeof aw);
    long off = (long)(a - user);
    int n = snprintf(buf, len, "%ld bytes %s a %llu-byte block allocated by thread %u at %s",
                     off < 0 ? -off : off, off < 0 ? "before" : "into",
                     (unsigned long long)h->size, h->alloc_thread, aw);
    if (h->state == ST_FREED && n > 0 && (size_t)n < len) {
        wp_where(off_pc(h->free_pc_off), fw, sizeof fw);
        snprintf(buf + n, len - (size_t)n, ", freed by thread %u at %s", h->free_thread, fw);
    }
}

void wp_heap_check(uintptr_t a, size_t n, bool write, uintptr_t pc)
{
    uintptr_t b = block_of(a);
    const hdr *h = (const hdr *)b;
    if (b && h->state == ST_ALLOC) {
        uintptr_t user = b + h->user_off;
        if (a >= user && a + n <= user + h->size)
            return;
    }
    if (!b && (a - wp_heap_lo) >> PAGE_SHIFT >= used_pages)
        return; /* beyond every page handed out: not ours to judge */
    char desc[512];
    wp_heap_describe(a, desc, sizeof desc);
    const char *kind = b && h->state == ST_FREED ? "heap-use-after-free" : "heap-buffer-overflow";
    wp_fail(WEFT_KIND_CRASH, pc, "%s: %s of %zu bytes %s", kind, write ? "write" : "read", n,
            desc);
}

/* ------------------------------------------------- per-execution reset */

void wp_heap_reset(void)
{
    if (!wp_heap_lo)
        return;
    memset(pages, 0, used_pages * sizeof *pages);
    if (peak_pages > 1024) { /* give back what a big execution touched */
        madvise((void *)(wp_heap_lo + (1024 << PAGE_SHIFT)), (peak_pages - 1024) << PAGE_SHIFT,
                MADV_DONTNEED);
        peak_pages = 1024;
    }
    used_pages = 0;
    memset(classes, 0, sizeof classes);
    large_free = 0;
    quar_head = quar_n = quar_bytes = 0;
}

static size_t span(const char *lo, const char *hi)
{
    return lo && hi && hi > lo ? (size_t)(hi - lo) : 0;
}

/* Restores the program's data and startup heap to how they were before
 * the first execution (snapshotting them at the first call). */
void wp_heap_snapshot_restore(void)
{
    size_t nd = span(__start_weft_udata, __stop_weft_udata);
    size_t nb = span(__start_weft_ubss, __stop_weft_ubss);
    size_t nh = st_lo ? st_top - st_lo : 0;
    if (!snapped) {
        snap = __libc_malloc(nd + nb + nh + 1);
        if (!snap) {
            fprintf(stderr, "weft: out of memory snapshotting the program's state\n");
            abort();
        }
        if (nd)
            memcpy(snap, __start_weft_udata, nd);
        if (nb)
            memcpy(snap + nd, __start_weft_ubss, nb);
        if (nh)
            memcpy(snap + nd + nb, (void *)st_lo, nh);
        snap_heap_top = nh;
        snapped = true;
        return;
    }
    if (nd)
        memcpy(__start_weft_udata, snap, nd);
    if (nb)
        memcpy(__start_weft_ubss, snap + nd, nb);
    if (snap_heap_top)
        memcpy((void *)st_lo, snap + nd + nb, snap_heap_top);
    st_top = st_lo + snap_heap_top;
}
