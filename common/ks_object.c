#define _GNU_SOURCE
#include "ks_object.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ks_features.h"
#include "ks_sha256.h"

#define MAGIC "KSCOPEOB"
#define FORMAT_VERSION 1u

void ks_object_free(struct ks_object *o)
{
    if (!o)
        return;
    ks_object_unload(o);
    for (uint32_t i = 0; i < o->nprogs; i++)
        free(o->progs[i].insns);
    free(o->progs);
    free(o->maps);
    free(o->map_given);
    free(o);
}

static void put32(struct ks_buf *b, uint32_t v)
{
    ks_buf_addn(b, &v, sizeof(v));
}

static void putname(struct ks_buf *b, const char *s)
{
    char n[KS_NAME_MAX] = {0};
    snprintf(n, sizeof(n), "%s", s);
    ks_buf_addn(b, n, sizeof(n));
}

void ks_object_serialize(const struct ks_object *o, struct ks_buf *out)
{
    struct ks_buf p = {0};
    putname(&p, o->license);
    put32(&p, o->nmaps);
    for (uint32_t i = 0; i < o->nmaps; i++) {
        const struct ks_map_def *m = &o->maps[i];
        putname(&p, m->name);
        put32(&p, m->type);
        put32(&p, m->key_size);
        put32(&p, m->value_size);
        put32(&p, m->max_entries);
        put32(&p, m->flags);
    }
    put32(&p, o->nprogs);
    for (uint32_t i = 0; i < o->nprogs; i++) {
        const struct ks_prog_def *g = &o->progs[i];
        putname(&p, g->name);
        put32(&p, g->type);
        put32(&p, g->insn_cnt);
        ks_buf_addn(&p, g->insns, g->insn_cnt * sizeof(struct bpf_insn));
    }
    uint8_t sum[32];
    ks_sha256(p.s, p.len, sum);
    ks_buf_addn(out, MAGIC, 8);
    put32(out, FORMAT_VERSION);
    put32(out, (uint32_t)p.len);
    ks_buf_addn(out, sum, sizeof(sum));
    ks_buf_addn(out, p.s, p.len);
    ks_buf_free(&p);
}

struct reader {
    const uint8_t *p;
    size_t left;
    bool bad;
};

static void get(struct reader *r, void *dst, size_t n)
{
    if (r->bad || r->left < n) {
        r->bad = true;
        memset(dst, 0, n);
        return;
    }
    memcpy(dst, r->p, n);
    r->p += n;
    r->left -= n;
}

static uint32_t get32(struct reader *r)
{
    uint32_t v;
    get(r, &v, sizeof(v));
    return v;
}

static void getname(struct reader *r, char *dst)
{
    get(r, dst, KS_NAME_MAX);
    dst[KS_NAME_MAX - 1] = '\0';
}

struct ks_object *ks_object_parse(const void *data, size_t len, const char **why)
{
    const size_t hdr = 8 + 4 + 4 + 32;
    const uint8_t *d = data;
    if (len < hdr || memcmp(d, MAGIC, 8) != 0) {
        *why = "not a kscope object (bad magic)";
        return NULL;
    }
    uint32_t version, plen;
    memcpy(&version, d + 8, 4);
    memcpy(&plen, d + 12, 4);
    if (version != FORMAT_VERSION) {
        *why = "object format version differs";
        return NULL;
    }
    if (len - hdr != plen) {
        *why = "truncated or padded (length mismatch)";
        return NULL;
    }
    uint8_t sum[32];
    ks_sha256(d + hdr, plen, sum);
    if (memcmp(sum, d + 16, 32) != 0) {
        *why = "checksum mismatch (corrupt)";
        return NULL;
    }
    struct reader r = {d + hdr, plen, false};
    struct ks_object *o = ks_xcalloc(1, sizeof(*o));
    getname(&r, o->license);
    o->nmaps = get32(&r);
    if (o->nmaps > 256) {
        r.bad = true;
        o->nmaps = 0;
    }
    o->maps = ks_xcalloc(o->nmaps ? o->nmaps : 1, sizeof(*o->maps));
    for (uint32_t i = 0; i < o->nmaps && !r.bad; i++) {
        struct ks_map_def *m = &o->maps[i];
        getname(&r, m->name);
        m->type = get32(&r);
        m->key_size = get32(&r);
        m->value_size = get32(&r);
        m->max_entries = get32(&r);
        m->flags = get32(&r);
    }
    o->nprogs = r.bad ? 0 : get32(&r);
    if (o->nprogs > 4096) { /* a pattern may attach up to 2 x 1000 probes */
        r.bad = true;
        o->nprogs = 0;
    }
    o->progs = ks_xcalloc(o->nprogs ? o->nprogs : 1, sizeof(*o->progs));
    for (uint32_t i = 0; i < o->nprogs && !r.bad; i++) {
        struct ks_prog_def *g = &o->progs[i];
        getname(&r, g->name);
        g->type = get32(&r);
        g->insn_cnt = get32(&r);
        if (g->insn_cnt > 1000000 || (size_t)g->insn_cnt * sizeof(struct bpf_insn) > r.left) {
            r.bad = true;
            g->insn_cnt = 0;
            break;
        }
        g->insns = ks_xmalloc(g->insn_cnt * sizeof(struct bpf_insn));
        get(&r, g->insns, g->insn_cnt * sizeof(struct bpf_insn));
    }
    if (r.bad || r.left) {
        *why = "malformed payload";
        ks_object_free(o);
        return NULL;
    }
    return o;
}

#define KS_LOAD_TRIES 5

static long sys_bpf(int cmd, union bpf_attr *attr)
{
    return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

/* Kernel object names: 15 characters of [A-Za-z0-9_.]. */
static void obj_name(char dst[BPF_OBJ_NAME_LEN], const char *src)
{
    size_t j = 0;
    for (size_t i = 0; src[i] && j < BPF_OBJ_NAME_LEN - 1; i++) {
        char ch = src[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '_' || ch == '.';
        dst[j++] = ok ? ch : '_';
    }
    dst[j] = '\0';
}

static int create_map(const struct ks_map_def *m)
{
    union bpf_attr a;
    memset(&a, 0, sizeof(a));
    a.map_type = m->type;
    a.key_size = m->key_size;
    a.value_size = m->value_size;
    a.max_entries = m->max_entries;
    a.map_flags = m->flags;
    obj_name(a.map_name, m->name);
    int fd = (int)sys_bpf(BPF_MAP_CREATE, &a);
    if (fd < 0 && errno == EINVAL) {
        /* Kernels before 4.15 reject a name. */
        memset(a.map_name, 0, sizeof(a.map_name));
        fd = (int)sys_bpf(BPF_MAP_CREATE, &a);
    }
    return fd;
}

static int load_prog(const struct ks_prog_def *g, const struct bpf_insn *insns,
                     const char *license, char *log, unsigned logsize)
{
    union bpf_attr a;
    memset(&a, 0, sizeof(a));
    a.prog_type = g->type;
    a.insns = (uintptr_t)insns;
    a.insn_cnt = g->insn_cnt;
    a.license = (uintptr_t)license;
    /* Kernels before 5.0 refuse kprobe programs whose version differs from theirs. */
    a.kern_version = ks_kernel_version_code();
    if (log) {
        a.log_buf = (uintptr_t)log;
        a.log_size = logsize;
        a.log_level = 1;
        log[0] = '\0';
    }
    char name[BPF_OBJ_NAME_LEN];
    snprintf(name, sizeof(name), "ks_%s", g->name);
    /* tracepoint__syscalls__sys_enter_execve -> a shorter, recognisable name */
    if (!strncmp(g->name, "tracepoint__", 12) && strstr(g->name + 12, "__"))
        snprintf(name, sizeof(name), "ks_%s", strstr(g->name + 12, "__") + 2);
    else if (!strncmp(g->name, "kp_", 3))
        snprintf(name, sizeof(name), "ks_%s", g->name + 3);
    obj_name(a.prog_name, name);
    /* EAGAIN is transient (the kernel asks for a retry, as libbpf does): a few attempts. */
    int fd, tries = 0;
    do
        fd = (int)sys_bpf(BPF_PROG_LOAD, &a);
    while (fd < 0 && errno == EAGAIN && ++tries < KS_LOAD_TRIES);
    if (fd < 0 && errno == EINVAL && !log) {
        memset(a.prog_name, 0, sizeof(a.prog_name));
        fd = (int)sys_bpf(BPF_PROG_LOAD, &a);
        if (fd < 0)
            errno = EINVAL;
    }
    return fd;
}

/* The verifier log can be thousands of lines; the error and the instructions just before
 * it are at the end. */
static void add_log_tail(struct ks_buf *err, const char *log, int lines)
{
    size_t n = strlen(log);
    while (n && (log[n - 1] == '\n' || log[n - 1] == ' '))
        n--;
    size_t start = n;
    int seen = 0;
    while (start > 0) {
        if (log[start - 1] == '\n' && ++seen == lines)
            break;
        start--;
    }
    if (start > 0)
        ks_buf_add(err, "  ...\n");
    const char *s = log + start;
    while (s < log + n) {
        const char *nl = memchr(s, '\n', (size_t)(log + n - s));
        size_t len = nl ? (size_t)(nl - s) : (size_t)(log + n - s);
        ks_buf_add(err, "  ");
        ks_buf_addn(err, s, len);
        ks_buf_add(err, "\n");
        s += len + 1;
    }
}

/* Loading a program is mostly the verifier's work, and the kernel verifies programs of
 * privileged users concurrently: on more than one CPU the programs load in parallel (a tool's
 * time to ready is largely its loads once the program is compiled or cached). */
struct load_job {
    const struct ks_prog_def *g;
    struct bpf_insn *insns;
    const char *license;
    int fd, err;
};

struct load_pool {
    struct load_job *jobs;
    uint32_t n, next; /* next: taken with an atomic add */
};

static void *load_worker(void *arg)
{
    struct load_pool *p = arg;
    for (;;) {
        uint32_t i = __atomic_fetch_add(&p->next, 1, __ATOMIC_RELAXED);
        if (i >= p->n)
            return NULL;
        struct load_job *j = &p->jobs[i];
        j->fd = load_prog(j->g, j->insns, j->license, NULL, 0);
        j->err = j->fd < 0 ? errno : 0;
    }
}

static void load_all(struct load_job *jobs, uint32_t n)
{
    struct load_pool pool = {jobs, n, 0};
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    pthread_t t[3];
    int nt = 0;
    /* Up to three helpers beside this thread; none for one program or one CPU. */
    while (nt < 3 && (long)nt + 1 < cpus && (uint32_t)nt + 1 < n &&
           pthread_create(&t[nt], NULL, load_worker, &pool) == 0)
        nt++;
    load_worker(&pool);
    for (int i = 0; i < nt; i++)
        pthread_join(t[i], NULL);
}

static void free_jobs(struct load_job *jobs, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        free(jobs[i].insns);
    free(jobs);
}

int ks_object_load(struct ks_object *o, struct ks_buf *err)
{
    o->map_fds = ks_xmalloc((o->nmaps ? o->nmaps : 1) * sizeof(int));
    o->prog_fds = ks_xmalloc((o->nprogs ? o->nprogs : 1) * sizeof(int));
    for (uint32_t i = 0; i < o->nmaps; i++)
        o->map_fds[i] = -1;
    for (uint32_t i = 0; i < o->nprogs; i++)
        o->prog_fds[i] = -1;

    for (uint32_t i = 0; i < o->nmaps; i++) {
        if (o->map_given && o->map_given[i] >= 0) {
            o->map_fds[i] = fcntl(o->map_given[i], F_DUPFD_CLOEXEC, 0);
            continue;
        }
        o->map_fds[i] = create_map(&o->maps[i]);
        if (o->map_fds[i] < 0) {
            int e = errno;
            ks_buf_printf(err, "cannot create BPF map '%s' (type %u, %u entries): %s%s",
                          o->maps[i].name, o->maps[i].type, o->maps[i].max_entries, strerror(e),
                          e == EPERM ? " (run as root, or raise RLIMIT_MEMLOCK)" : "");
            ks_object_unload(o);
            return -1;
        }
    }
    /* Each program with its map fds in place. */
    struct load_job *jobs = ks_xcalloc(o->nprogs ? o->nprogs : 1, sizeof(*jobs));
    for (uint32_t i = 0; i < o->nprogs; i++) {
        struct ks_prog_def *g = &o->progs[i];
        struct bpf_insn *insns = ks_xmalloc(g->insn_cnt * sizeof(*insns));
        memcpy(insns, g->insns, g->insn_cnt * sizeof(*insns));
        jobs[i] = (struct load_job){.g = g, .insns = insns, .license = o->license, .fd = -1};
        for (uint32_t k = 0; k < g->insn_cnt; k++) {
            if (insns[k].code == (BPF_LD | BPF_IMM | BPF_DW) &&
                insns[k].src_reg == BPF_PSEUDO_MAP_FD) {
                uint32_t idx = (uint32_t)insns[k].imm;
                if (idx >= o->nmaps) {
                    ks_buf_printf(err, "program %s refers to map #%u of %u", g->name, idx,
                                  o->nmaps);
                    free_jobs(jobs, o->nprogs);
                    ks_object_unload(o);
                    return -1;
                }
                insns[k].imm = o->map_fds[idx];
            }
        }
    }
    load_all(jobs, o->nprogs);
    for (uint32_t i = 0; i < o->nprogs; i++)
        o->prog_fds[i] = jobs[i].fd;
    for (uint32_t i = 0; i < o->nprogs; i++) {
        struct ks_prog_def *g = &o->progs[i];
        int e = jobs[i].err;
        if (o->prog_fds[i] < 0 && (e == EAGAIN || e == ENOMEM || e == EPERM)) {
            /* Not the verifier's verdict: the kernel could not take the program now (short
             * of memory, or RLIMIT_MEMLOCK before 5.11; still busy after retries) or we
             * lack the privilege. Say so with the errno; there is no log to show. */
            ks_buf_printf(err, "cannot load BPF program %s (%u instructions): %s (%s)\n", g->name,
                          g->insn_cnt, strerror(e),
                          e == EAGAIN  ? "the kernel asked to retry, and still did after "
                                         "several attempts; try again"
                          : e == ENOMEM ? "the kernel is short of memory (or, before 5.11, "
                                          "of RLIMIT_MEMLOCK); free some memory and try again"
                                        : "run as root: CAP_SYS_ADMIN, or CAP_BPF+CAP_PERFMON; "
                                          "before 5.11 also RLIMIT_MEMLOCK");
            free_jobs(jobs, o->nprogs);
            ks_object_unload(o);
            return -1;
        }
        if (o->prog_fds[i] < 0) {
            size_t logsize = 16u << 20;
            char *log = ks_xmalloc(logsize);
            int fd = load_prog(g, jobs[i].insns, o->license, log, (unsigned)logsize);
            if (fd >= 0)
                close(fd);
            ks_buf_printf(err, "the kernel's verifier rejected BPF program %s (%u instructions): %s\n",
                          g->name, g->insn_cnt, strerror(e));
            if (log[0])
                add_log_tail(err, log, 12);
            free(log);
            free_jobs(jobs, o->nprogs);
            ks_object_unload(o);
            return -1;
        }
    }
    free_jobs(jobs, o->nprogs);
    return 0;
}

void ks_object_unload(struct ks_object *o)
{
    if (o->prog_fds) {
        for (uint32_t i = 0; i < o->nprogs; i++)
            if (o->prog_fds[i] >= 0)
                close(o->prog_fds[i]);
        free(o->prog_fds);
        o->prog_fds = NULL;
    }
    if (o->map_fds) {
        for (uint32_t i = 0; i < o->nmaps; i++)
            if (o->map_fds[i] >= 0)
                close(o->map_fds[i]);
        free(o->map_fds);
        o->map_fds = NULL;
    }
}

int ks_object_map_fd(const struct ks_object *o, const char *name)
{
    for (uint32_t i = 0; i < o->nmaps; i++)
        if (!strcmp(o->maps[i].name, name))
            return o->map_fds ? o->map_fds[i] : -1;
    return -1;
}

const struct ks_map_def *ks_object_map(const struct ks_object *o, const char *name)
{
    for (uint32_t i = 0; i < o->nmaps; i++)
        if (!strcmp(o->maps[i].name, name))
            return &o->maps[i];
    return NULL;
}

int ks_object_prog_fd(const struct ks_object *o, const char *name)
{
    for (uint32_t i = 0; i < o->nprogs; i++)
        if (!strcmp(o->progs[i].name, name))
            return o->prog_fds ? o->prog_fds[i] : -1;
    return -1;
}

/* BPF_OBJ_GET_INFO_BY_FD into a zeroed struct bpf_prog_info or bpf_map_info. */
static int obj_info(int fd, void *info, uint32_t len)
{
    memset(info, 0, len);
    union bpf_attr a;
    memset(&a, 0, sizeof(a));
    a.info.bpf_fd = (uint32_t)fd;
    a.info.info_len = len;
    a.info.info = (uintptr_t)info;
    return (int)sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a);
}

uint32_t ks_prog_id(int prog_fd)
{
    struct bpf_prog_info info;
    if (obj_info(prog_fd, &info, sizeof(info)) != 0)
        return 0;
    return info.id;
}

int ks_object_use_map(struct ks_object *o, const char *name, int fd, struct ks_buf *err)
{
    const struct ks_map_def *m = ks_object_map(o, name);
    if (!m) {
        ks_buf_printf(err, "internal: the program has no map '%s'", name);
        return -1;
    }
    struct bpf_map_info info;
    if (obj_info(fd, &info, sizeof(info)) != 0) {
        ks_buf_printf(err, "cannot inspect the map: %s", strerror(errno));
        return -1;
    }
    if (info.type != m->type || info.key_size != m->key_size ||
        info.value_size < m->value_size) {
        ks_buf_printf(err,
                      "the map is of type %u with %u-byte keys and %u-byte values; expected "
                      "type %u (hash) with %u-byte keys and values of at least %u bytes",
                      info.type, info.key_size, info.value_size, m->type, m->key_size,
                      m->value_size);
        return -1;
    }
    if (!o->map_given) {
        o->map_given = ks_xmalloc(o->nmaps * sizeof(*o->map_given));
        for (uint32_t i = 0; i < o->nmaps; i++)
            o->map_given[i] = -1;
    }
    o->map_given[m - o->maps] = fd;
    return 0;
}
