/*
 * symbol.c — call sites and variables by name, for failure reports.
 *
 * The pthread layer sees return addresses, not __FILE__/__LINE__ (the
 * program is unmodified), so it turns them into "file:line" with one
 * addr2line process per weft process, started on first need and fed one
 * address at a time. Global variables are named from the executable's own
 * symbol table. Answers are cached for the life of the process and depend
 * only on the binary, so reports (and failure signatures) are the same in
 * every process; addresses are never printed raw. Without addr2line or
 * debug information a site is "function+0xoff" or "prog+0xoff".
 */
#include "posix.h"

#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <signal.h>
#include <link.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct cache_ent {
    uintptr_t pc;
    wp_loc loc;
    const char *where;     /* "file:line", interned */
} cache_ent;

static cache_ent *cache;
static size_t cache_cap, cache_n;

static pid_t helper_pid, helper_owner;
static int helper_fd = -1;
static FILE *helper_in;
static bool helper_failed;

static uintptr_t exe_bias, exe_lo, exe_hi;
static bool exe_known;
static char exe_path[4096];

/* ----------------------------------------------------------- interning */

static const char *intern(const char *s)
{
    static char *block;
    static size_t left;
    size_t n = strlen(s) + 1;
    if (n > left) {
        size_t sz = n > 65536 ? n : 65536;
        block = malloc(sz);
        if (!block)
            return "?";
        left = sz;
    }
    char *p = block;
    memcpy(p, s, n);
    block += n;
    left -= n;
    return p;
}

/* --------------------------------------------------------- the program */

static int find_exe(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size, (void)data;
    if (info->dlpi_name && info->dlpi_name[0])
        return 0;
    exe_bias = info->dlpi_addr;
    exe_lo = UINTPTR_MAX;
    exe_hi = 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD)
            continue;
        uintptr_t lo = exe_bias + ph->p_vaddr, hi = lo + ph->p_memsz;
        if (lo < exe_lo)
            exe_lo = lo;
        if (hi > exe_hi)
            exe_hi = hi;
    }
    return 1;
}

static void know_exe(void)
{
    if (exe_known)
        return;
    exe_known = true;
    dl_iterate_phdr(find_exe, NULL);
    ssize_t n = readlink("/proc/self/exe", exe_path, sizeof exe_path - 1);
    exe_path[n > 0 ? n : 0] = '\0';
}

/* ------------------------------------------------------------ addr2line */

static void helper_start(void)
{
    if (helper_failed || !exe_path[0])
        return;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        helper_failed = true;
        return;
    }
    pid_t pid = fork();
    if (pid < 0) {
        close(sv[0]), close(sv[1]);
        helper_failed = true;
        return;
    }
    if (pid == 0) {
        dup2(sv[1], 0);
        dup2(sv[1], 1);
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0)
            dup2(devnull, 2);
        execlp("addr2line", "addr2line", "-f", "-C", "-e", exe_path, (char *)NULL);
        _exit(127);
    }
    close(sv[1]);
    helper_pid = pid;
    helper_owner = getpid();
    helper_fd = sv[0];
    helper_in = fdopen(dup(sv[0]), "r");
    if (!helper_in) {
        close(helper_fd);
        helper_fd = -1;
        helper_failed = true;
    }
}

static void helper_stop(void)
{
    if (helper_in)
        fclose(helper_in);
    if (helper_fd >= 0)
        close(helper_fd);
    helper_in = NULL;
    helper_fd = -1;
    if (helper_pid > 0 && helper_owner == getpid()) {
        kill(helper_pid, SIGTERM);
        waitpid(helper_pid, NULL, 0);
    }
    helper_pid = 0;
}

/* Asks addr2line about file address addr; false when it cannot answer. */
static bool ask(uintptr_t addr, char *func, size_t flen, char *file, size_t filen, int *line)
{
    if (helper_owner != getpid()) { /* inherited over fork: not ours to use */
        helper_in = NULL;
        helper_fd = -1;
        helper_pid = 0;
        helper_owner = 0;
    }
    if (helper_fd < 0)
        helper_start();
    if (helper_fd < 0)
        return false;
    char q[32];
    int n = snprintf(q, sizeof q, "0x%llx\n", (unsigned long long)addr);
    if (send(helper_fd, q, (size_t)n, MSG_NOSIGNAL) != n ||
        !fgets(func, (int)flen, helper_in) || !fgets(file, (int)filen, helper_in)) {
        helper_stop();
        helper_failed = true;
        return false;
    }
    func[strcspn(func, "\n")] = '\0';
    file[strcspn(file, "\n")] = '\0';
    char *disc = strstr(file, " (discriminator");
    if (disc)
        *disc = '\0';
    char *colon = strrchr(file, ':');
    *line = 0;
    if (colon) {
        *line = atoi(colon + 1);
        *colon = '\0';
    }
    if (!strcmp(func, "??"))
        func[0] = '\0';
    if (!strcmp(file, "??") || *line == 0)
        file[0] = '\0';
    return true;
}

/* A path as short as it can be told: relative to the working directory
 * when it is below it. */
static const char *shorten(const char *path)
{
    static char cwd[4096];
    static size_t cwd_len;
    if (!cwd_len && getcwd(cwd, sizeof cwd))
        cwd_len = strlen(cwd);
    if (cwd_len && !strncmp(path, cwd, cwd_len) && path[cwd_len] == '/')
        return path + cwd_len + 1;
    return path;
}

/* ------------------------------------------------------------ the cache */

static cache_ent *cache_slot(uintptr_t pc)
{
    if (2 * (cache_n + 1) > cache_cap) {
        size_t cap = cache_cap ? cache_cap * 2 : 256;
        cache_ent *t = calloc(cap, sizeof *t);
        if (!t)
            return NULL;
        for (size_t i = 0; i < cache_cap; i++) {
            if (!cache[i].pc)
                continue;
            size_t h = (cache[i].pc * 0x9e3779b97f4a7c15ull >> 20) & (cap - 1);
            while (t[h].pc)
                h = (h + 1) & (cap - 1);
            t[h] = cache[i];
        }
        free(cache);
        cache = t;
        cache_cap = cap;
    }
    size_t h = (pc * 0x9e3779b97f4a7c15ull >> 20) & (cache_cap - 1);
    while (cache[h].pc && cache[h].pc != pc)
        h = (h + 1) & (cache_cap - 1);
    return &cache[h];
}

/* Resolves pc; exact: pc is a function's address, not a return address. */
static cache_ent *resolve(uintptr_t pc, bool exact)
{
    know_exe();
    uintptr_t key = pc | (exact ? 0 : (uintptr_t)1 << 63);
    cache_ent *e = cache_slot(key);
    if (!e)
        return NULL;
    if (e->pc)
        return e;
    e->pc = key;
    cache_n++;
    char func[512] = "", file[2048] = "", where[2600];
    int line = 0;
    if (pc >= exe_lo && pc < exe_hi) {
        uintptr_t addr = pc - exe_bias - (exact ? 0 : 1);
        ask(addr, func, sizeof func, file, sizeof file, &line);
        if (file[0])
            snprintf(where, sizeof where, "%s:%d", shorten(file), line);
        else if (func[0])
            snprintf(where, sizeof where, "%s", func);
        else
            snprintf(where, sizeof where, "prog+0x%llx", (unsigned long long)addr);
    } else {
        Dl_info di;
        if (dladdr((void *)pc, &di) && di.dli_sname) {
            snprintf(func, sizeof func, "%s", di.dli_sname);
            snprintf(where, sizeof where, "%s", di.dli_sname);
        } else {
            const char *lib = dladdr((void *)pc, &di) && di.dli_fname ? di.dli_fname : "?";
            const char *base = strrchr(lib, '/');
            snprintf(where, sizeof where, "%s+0x%llx", base ? base + 1 : lib,
                     (unsigned long long)(pc - (uintptr_t)di.dli_fbase));
        }
    }
    e->loc.file = file[0] ? intern(shorten(file)) : NULL;
    e->loc.line = line;
    e->loc.func = func[0] ? intern(func) : NULL;
    e->where = intern(where);
    return e;
}

wp_loc wp_symbolize(uintptr_t pc)
{
    cache_ent *e = pc ? resolve(pc, false) : NULL;
    return e ? e->loc : (wp_loc){0};
}

const char *wp_where(uintptr_t pc, char *buf, size_t len)
{
    cache_ent *e = pc ? resolve(pc, false) : NULL;
    snprintf(buf, len, "%s", e ? e->where : "?");
    return buf;
}

const char *wp_func_name(const void *fn)
{
    cache_ent *e = fn ? resolve((uintptr_t)fn, true) : NULL;
    return e ? e->loc.func : NULL;
}

void wp_set_location(uintptr_t pc)
{
    if (!pc)
        return;
    cache_ent *e = resolve(pc, false);
    if (!e)
        return;
    if (e->loc.file)
        weft__set_location(e->loc.file, e->loc.line);
    else
        weft__set_location(e->where, 0);
}

/* ---------------------------------------------------- global variables */

typedef struct dsym {
    uintptr_t value, size;
    const char *name;
} dsym;

static dsym *dsyms;
static size_t n_dsyms;
static bool dsyms_loaded;

static int dsym_cmp(const void *a, const void *b)
{
    const dsym *x = a, *y = b;
    return x->value < y->value ? -1 : x->value > y->value;
}

/* Reads the OBJECT symbols of the executable's .symtab. */
static void load_dsyms(void)
{
    dsyms_loaded = true;
    know_exe();
    int fd = open(exe_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    struct stat st;
    char *img = NULL;
    if (fstat(fd, &st) == 0 && st.st_size > (off_t)sizeof(ElfW(Ehdr))) {
        img = malloc((size_t)st.st_size);
        if (img && pread(fd, img, (size_t)st.st_size, 0) != st.st_size) {
            free(img);
            img = NULL;
        }
    }
    close(fd);
    if (!img)
        return;
    const ElfW(Ehdr) *eh = (const ElfW(Ehdr) *)img;
    size_t size = (size_t)st.st_size;
    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_shoff == 0 ||
        eh->e_shoff + (size_t)eh->e_shnum * sizeof(ElfW(Shdr)) > size) {
        free(img);
        return;
    }
    const ElfW(Shdr) *sh = (const ElfW(Shdr) *)(img + eh->e_shoff);
    for (unsigned i = 0; i < eh->e_shnum; i++) {
        if (sh[i].sh_type != SHT_SYMTAB || sh[i].sh_link >= eh->e_shnum)
            continue;
        const ElfW(Shdr) *strs = &sh[sh[i].sh_link];
        if (sh[i].sh_offset + sh[i].sh_size > size || strs->sh_offset + strs->sh_size > size)
            break;
        const ElfW(Sym) *sym = (const ElfW(Sym) *)(img + sh[i].sh_offset);
        size_t n = sh[i].sh_size / sizeof *sym;
        dsyms = calloc(n ? n : 1, sizeof *dsyms);
        for (size_t k = 0; dsyms && k < n; k++) {
            if (ELF64_ST_TYPE(sym[k].st_info) != STT_OBJECT || !sym[k].st_size ||
                sym[k].st_name >= strs->sh_size)
                continue;
            const char *name = img + strs->sh_offset + sym[k].st_name;
            if (!strncmp(name, "weft_u_", 7)) /* weft-cc's renaming */
                name += 7;
            dsyms[n_dsyms++] = (dsym){sym[k].st_value + exe_bias, sym[k].st_size,
                                      intern(name)};
        }
        break;
    }
    free(img);
    if (n_dsyms)
        qsort(dsyms, n_dsyms, sizeof *dsyms, dsym_cmp);
}

const char *wp_data_name(uintptr_t a, char *buf, size_t len)
{
    if (!dsyms_loaded)
        load_dsyms();
    size_t lo = 0, hi = n_dsyms;
    while (lo < hi) { /* last symbol starting at or below a */
        size_t mid = (lo + hi) / 2;
        if (dsyms[mid].value <= a)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0 || a >= dsyms[lo - 1].value + dsyms[lo - 1].size)
        return NULL;
    const dsym *d = &dsyms[lo - 1];
    if (a == d->value)
        snprintf(buf, len, "%s", d->name);
    else
        snprintf(buf, len, "%s+%llu", d->name, (unsigned long long)(a - d->value));
    return buf;
}
