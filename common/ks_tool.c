#define _GNU_SOURCE
#include "ks_tool.h"

#include <ctype.h>
#include <errno.h>
#include <linux/bpf.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "ks_attach.h"
#include "ks_cache.h"
#include "ks_compile.h"
#include "ks_containers.h"
#include "ks_features.h"
#include "ks_headers.h"
#include "ks_maps.h"
#include "ks_perf.h"
#include "ks_record.h"
#include "ks_man.h"
#include "ks_prom.h"
#include "ks_profile.h"
#include "ks_sys.h"

extern const char ks_bpfsrc_kscope_bpf_h[]; /* bpfsrc/kscope.bpf.h, embedded */

static volatile sig_atomic_t g_stop;

/* Output that cannot be written ends the run. stdio keeps a sticky error flag but drops
 * the errno with the buffer, so the flag is checked right after each piece of output
 * (an event, an interval, a flush) while errno still names the failed write. */
static int g_out_errno;

static void out_failed(int e)
{
    if (!g_out_errno)
        g_out_errno = e ? e : EIO;
    g_stop = 1;
}

static bool out_check(void)
{
    if (!g_out_errno && ferror_unlocked(stdout))
        out_failed(errno);
    return !g_out_errno;
}

/* A pipe whose reader has gone reports POLLERR on its write end: notice it even when
 * nothing is being written (execsnoop | head -1 with no further execs). */
static bool out_reader_gone(void)
{
    struct pollfd p = {.fd = STDOUT_FILENO, .events = 0};
    if (poll(&p, 1, 0) == 1 && (p.revents & POLLERR)) {
        out_failed(EPIPE);
        return true;
    }
    return false;
}

bool ks_flush(void)
{
    if (g_out_errno)
        return false;
    errno = 0;
    if (fflush(stdout) != 0)
        out_failed(errno);
    return out_check();
}

/* The end of a run whose output failed: a reader that went away is a normal end (like
 * Ctrl-C); any other failure is reported, and the tool exits non-zero. */
static int out_status(void)
{
    if (!g_out_errno)
        return 0;
    if (g_out_errno == EPIPE)
        return 0;
    fprintf(stderr, "%s: error: cannot write the output: %s\n", ks_prog, strerror(g_out_errno));
    return 1;
}

static void event_adapter(void *ctx, void *data, int size)
{
    struct ks_run *r = ctx;
    if (g_out_errno)
        return; /* the rest of a batch after a failed write: nowhere to print it */
    /* A perf buffer sample's data sits 4 bytes past an 8-byte boundary (after its u32
     * size); tools read it as their event struct, which may hold u64s: give them an
     * aligned copy (UBSan: misaligned access). Ring buffer records are aligned already. */
    static uint64_t *aligned;
    static int cap;
    if (((uintptr_t)data & 7) && size > 0) {
        if (size > cap) {
            free(aligned);
            cap = (size + 7) & ~7;
            aligned = ks_xmalloc((size_t)cap);
        }
        memcpy(aligned, data, (size_t)size);
        data = aligned;
    }
    r->tool->on_event(data, size);
    out_check();
}

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

static bool valid_ident(const char *s)
{
    if (!s || !(isalpha((unsigned char)*s) || *s == '_'))
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_')
            return false;
    return true;
}

void ks_define(struct ks_run *r, const char *name, long long value, const char *comment)
{
    if (!valid_ident(name)) {
        ks_err("internal: bad macro name");
        exit(1);
    }
    ks_buf_printf(&r->defines, "#define %s %lld", name, value);
    if (comment) {
        /* Comments are ours, but keep them from closing themselves early. */
        ks_buf_add(&r->defines, " /* ");
        for (const char *c = comment; *c; c++)
            if (!(c[0] == '*' && c[1] == '/') && *c != '\n')
                ks_buf_addn(&r->defines, c, 1);
        ks_buf_add(&r->defines, " */");
    }
    ks_buf_add(&r->defines, "\n");
}

void ks_require_pid(const struct ks_run *r)
{
    if (r->opt.pid < 0 || r->opt.ebpf || r->opt.check || r->opt.target)
        return;
    char path[64];
    snprintf(path, sizeof(path), "/proc/%ld", r->opt.pid);
    if (!ks_path_exists(path))
        ks_usage_error("-p %ld: no such process", r->opt.pid);
}

uint64_t ks_interval_elapsed_ns(struct ks_run *r)
{
    static uint64_t last;
    uint64_t now = ks_now_ns(), from = last ? last : r->start_ns;
    last = now;
    return now > from ? now - from : 0;
}

uint64_t ks_interval_secs(struct ks_run *r)
{
    uint64_t s = (ks_interval_elapsed_ns(r) + 500000000ull) / 1000000000ull;
    return s ? s : 1;
}

void ks_counters_delta(struct ks_run *r, const char *map, uint32_t n, uint64_t *prev,
                       uint64_t *delta)
{
    if (ks_percpu_counters_delta(ks_map_fd(r, map), n, prev, delta) != 0) {
        ks_err("internal: cannot read the %s map: %s", map, strerror(errno));
        exit(1);
    }
}

const struct ks_probe_choice *ks_choice(const struct ks_run *r, const char *probe)
{
    for (int i = 0; i < r->tool->nprobes; i++)
        if (!strcmp(r->tool->probes[i].name, probe))
            return &r->choices[i];
    return NULL;
}

int ks_map_fd(const struct ks_run *r, const char *map)
{
    return r->obj ? ks_object_map_fd(r->obj, map) : -1;
}

const struct ks_map_def *ks_map_def(const struct ks_run *r, const char *map)
{
    return r->obj ? ks_object_map(r->obj, map) : NULL;
}

static void build_text(struct ks_run *r, struct ks_buf *text)
{
    const struct ks_tool *t = r->tool;
    ks_buf_printf(text,
                  "/* kscope %s %s: the BPF program as compiled.\n"
                  " * Configuration from the options given and the probes chosen for this "
                  "kernel: */\n",
                  t->spec.name, KS_VERSION);
    /* Features asked of the kernel, for sources that can use better maps when present. */
    if (ks_map_type_supported(BPF_MAP_TYPE_LRU_HASH))
        ks_buf_add(text, "#define KS_HAVE_LRU_HASH 1 /* kernel has LRU hash maps (4.10+) */\n");
    if (ks_have_probe_read_user())
        ks_buf_add(text, "#define KS_HAVE_PROBE_READ_USER 1 /* bpf_probe_read_user/_kernel "
                         "(5.5+) */\n");
    if (ks_have_bounded_loops())
        ks_buf_add(text, "#define KS_HAVE_BOUNDED_LOOPS 1 /* the verifier takes bounded loops "
                         "(5.3+): no need to unroll */\n");
    if (t->on_event) {
        ks_buf_add(text, "#define KS_EVENTS 1 /* the program sends events (ks_submit) */\n");
        /* The ring's size is set when its map is created (-b times the CPUs of the
         * machine it runs on), so one compiled program serves machines of any size. */
        if (r->ringbuf)
            ks_buf_add(text, "#define KS_HAVE_RINGBUF 1 /* events through a BPF ring buffer "
                             "(5.8+) */\n#define KS_RINGBUF_PAGES 1 /* resized at load */\n");
        if (r->inplace)
            ks_buf_printf(text,
                          "#define KS_EVENTS_INPLACE 1 /* built in place in per-CPU rings "
                          "(x86_64, 5.12+) */\n#define KS_INPLACE_BYTES %ld /* each CPU's "
                          "ring */\n#define KS_INPLACE_SLACK %d /* the largest event and "
                          "its header */\n",
                          r->inplace_bytes, KS_INPLACE_SLACK);
        /* Wake the reader every N events: a power of two. */
        int w = t->wakeup_events > 1 ? t->wakeup_events : 1;
        while (w & (w - 1))
            w &= w - 1;
        ks_buf_printf(text, "#define KS_EVENTS_WAKEUP %d\n", w);
    }
    if (ks_struct_reads(r, NULL))
        ks_buf_add(text, "#define KS_EXACT_HEADERS 1 /* the headers are the running kernel's: "
                         "tracepoint paths may read structs */\n");
    ks_containers_prelude(&r->opt, text);
    ks_buf_add(text, r->defines.s ? r->defines.s : "");
    ks_probes_prelude(t->probes, r->choices, t->nprobes, text);
    ks_buf_add(text, "\n/* ---- bpfsrc/kscope.bpf.h ---- */\n");
    ks_buf_add(text, ks_bpfsrc_kscope_bpf_h);
    if (t->bpf_lib) {
        if (t->bpf_lib_name)
            ks_buf_printf(text, "\n/* ---- bpfsrc/%s ---- */\n", t->bpf_lib_name);
        else
            ks_buf_add(text, "\n/* ---- a shared part (named in its first line) ---- */\n");
        ks_buf_add(text, t->bpf_lib);
    }
    if (t->bpf_header) {
        ks_buf_printf(text, "\n/* ---- bpfsrc/%s.h ---- */\n", t->spec.name);
        ks_buf_add(text, t->bpf_header);
    }
    ks_buf_printf(text, "\n/* ---- bpfsrc/%s ---- */\n", t->bpf_name);
    ks_buf_add(text, t->bpf_source);
}

static int prog_type_of(enum ks_probe_kind k)
{
    /* Uprobes run kprobe programs. */
    return k == KS_KIND_TRACEPOINT ? BPF_PROG_TYPE_TRACEPOINT
           : k == KS_KIND_PERF     ? BPF_PROG_TYPE_PERF_EVENT
                                   : BPF_PROG_TYPE_KPROBE;
}

/* What to do on a machine that cannot compile: build there, ship here. */
static void fleet_advice(void)
{
    const char *rel = ks_kernel_release();
    fprintf(stderr,
            "To run without compiling here, build this kernel's programs on a machine with its "
            "headers and libbcc:\n"
            "  here:       kscope-doctor --save-profile %s.kprofile\n"
            "  there:      kscope-cache build --target %s.kprofile --kernel-headers "
            "/lib/modules/%s/build\n"
            "              kscope-cache export %s-programs.tar.xz\n"
            "  here again: kscope-cache import %s-programs.tar.xz\n"
            "(docs/fleet.md: \"Build once per kernel, ship, run\")\n",
            rel, rel, rel, rel, rel);
}

/* The tool's options as given, without the ones that only say where things are. */
static void options_for_info(const struct ks_run *r, struct ks_buf *out)
{
    static const char *const skip_val[] = {"--target", "--kernel-headers", "--cache-dir"};
    for (int i = 1; i < r->argc; i++) {
        const char *a = r->argv[i];
        bool skip = !strcmp(a, "-v") || !strcmp(a, "--verbose");
        for (size_t k = 0; k < sizeof(skip_val) / sizeof(skip_val[0]) && !skip; k++) {
            size_t n = strlen(skip_val[k]);
            if (!strncmp(a, skip_val[k], n) && (a[n] == '=' || !a[n])) {
                skip = true;
                i += !a[n];
            }
        }
        if (!skip)
            ks_buf_printf(out, "%s%s", out->len ? " " : "", a);
    }
    if (!strstr(out->s ? out->s : "", "--probe"))
        ks_buf_printf(out, "%s--probe=%s", out->len ? " " : "",
                      ks_probe_mode_name(r->opt.probe_mode));
}

/* The cache entry the program came from, if it did: a program that then fails to load or
 * attach is removed, so the next start compiles instead of failing the same way. */
static struct ks_cache g_used_cache;
static uint8_t g_used_key[32];
static bool g_from_cache;

static void drop_cached_program(void)
{
    if (!g_from_cache)
        return;
    ks_cache_drop(&g_used_cache, g_used_key);
    fprintf(stderr, "%s: the program came from the compile cache; that entry is removed and "
                    "the next start compiles it again\n",
            ks_prog);
}

/* The compile cache and the kernel headers, found once per run: whether tracepoint paths
 * may read structs (ks_struct_reads, asked by configure() and the program text) and the
 * compile must see the same tree. NULL when there are none (the message in
 * g_headers_err). */
static struct ks_cache g_cache;
static struct ks_headers g_headers;
static int g_headers_state; /* 0: not looked for yet; 1: found; -1: none */
static struct ks_buf g_headers_err;
static char g_kh[PATH_MAX + 16];
static bool g_private_kh;

/* A private kheaders directory lives only as long as the compile needs it. */
static void release_headers(void)
{
    if (g_private_kh)
        ks_rmtree(g_kh);
    g_private_kh = false;
}

static const struct ks_headers *run_headers(struct ks_run *r)
{
    if (g_headers_state)
        return g_headers_state > 0 ? &g_headers : NULL;
    /* For a profile (--target): that kernel's headers only, never this machine's kheaders
     * or the closest other version. */
    struct ks_headers_req hreq = {.override = r->opt.kernel_headers,
                                  .release = r->opt.target ? ks_kernel_release() : NULL};
    ks_cache_open(&g_cache, r->opt.cache_dir, r->opt.no_cache);
    hreq.kheaders_dir = r->opt.target ? NULL
                                      : ks_cache_kheaders_dir(&g_cache, g_kh, sizeof(g_kh),
                                                              &g_private_kh);
    g_headers_state = ks_headers_find(&hreq, &g_headers, &g_headers_err) == 0 ? 1 : -1;
    if (g_headers_state < 0)
        release_headers();
    return g_headers_state > 0 ? &g_headers : NULL;
}

bool ks_struct_reads(struct ks_run *r, const char **why)
{
    static int state; /* 0: not decided; 1: yes; -1: no */
    static struct ks_buf reason;
    if (!state) {
        const struct ks_headers *h = run_headers(r);
        char hid[65];
        int noted = -1;
        if (!h && !r->opt.target && ks_cache_kernel_headers(&g_cache, hid, &noted) && noted >= 0) {
            /* No headers here: decide as where this kernel's cached programs were built, so
             * the program text (and its key) is the same. */
            ks_buf_printf(&reason, "no kernel headers here; as decided for the headers this "
                                   "kernel's cached programs were built with (%.12s)", hid);
            state = noted ? 1 : -1;
        } else {
            if (!h)
                ks_buf_add(&reason, "no kernel headers were found");
            /* A profile answers for its kernel: its /proc and /boot files. */
            const char *root = ks_kernel_is_profile() ? ks_features_root() : NULL;
            state = h && ks_headers_exact(h, root, &reason) ? 1 : -1;
        }
    }
    if (why)
        *why = reason.s ? reason.s : "";
    return state > 0;
}

static struct ks_object *get_object(struct ks_run *r, const char *text)
{
    const struct ks_tool *t = r->tool;
    const char *target = r->opt.target;
    struct ks_buf err = {0};
    const struct ks_headers *hp = run_headers(r);
    struct ks_headers h;
    struct ks_cache cache = g_cache;
    if (target && !cache.enabled) {
        ks_err("--target stores the program in the compile cache, and %s cannot be used (see "
               "above)",
               cache.dir[0] ? cache.dir : "the cache");
        exit(1);
    }
    bool have_headers = hp != NULL;
    char hid[65] = "", uts[128] = "";
    if (have_headers) {
        h = *hp;
        ks_cache_headers_id(&cache, &h, hid, uts, sizeof(uts));
        if (target && (!h.exact || (uts[0] && strcmp(uts, ks_kernel_release())))) {
            ks_err("the kernel headers in %s are for %s, but the profile %s is for %s: pass "
                   "--kernel-headers with that kernel's headers (e.g. /lib/modules/%s/build)",
                   h.build, uts[0] ? uts : h.release, target, ks_kernel_release(),
                   ks_kernel_release());
            exit(1);
        }
        if (!h.exact)
            ks_warn("no kernel headers for %s; using %s (closest installed). Tracepoint probes "
                    "are unaffected; kprobe struct reads may be wrong.",
                    ks_kernel_release(), h.release);
        ks_info("kernel headers: %s%s%s (%s)", h.source, h.split ? " + " : "",
                h.split ? h.build : "", h.how);
    } else if (!target && ks_cache_kernel_headers(&cache, hid, NULL)) {
        memset(&h, 0, sizeof(h));
        ks_info("kernel headers: none here; looking for programs built for this kernel "
                "elsewhere (headers %.12s)", hid);
    } else {
        ks_err("%s", g_headers_err.s);
        if (!target) {
            fprintf(stderr, "No program compiled for this kernel is in the cache %s either.\n",
                    cache.enabled ? cache.dir : "(off)");
            fleet_advice();
        }
        exit(1);
    }
    const char *reads_why;
    bool reads = ks_struct_reads(r, &reads_why);
    ks_info("struct reads on tracepoint paths: %s (%s)", reads ? "allowed" : "none", reads_why);

    /* One program per function: probes built from a pattern may share one. */
    static struct ks_func_plan *plan; /* static: reachable on every way out */
    free(plan);
    plan = ks_xcalloc((size_t)t->nprobes + 1, sizeof(*plan));
    int nplan = 0;
    struct ks_buf extra = {0};
    for (int i = 0; i < t->nprobes; i++) {
        if (r->choices[i].kind == KS_KIND_NONE)
            continue;
        bool seen = false;
        for (int k = 0; k < nplan && !seen; k++)
            seen = !strcmp(plan[k].func, r->choices[i].func);
        if (seen)
            continue;
        plan[nplan].func = r->choices[i].func;
        plan[nplan].prog_type = prog_type_of(r->choices[i].kind);
        ks_buf_printf(&extra, "%s:%d;", plan[nplan].func, plan[nplan].prog_type);
        nplan++;
    }
    uint8_t key[32];
    ks_cache_key(text, hid, extra.s, key);
    ks_buf_free(&extra);

    char p[PATH_MAX + 80];
    ks_cache_entry_path(&cache, key, p, sizeof(p));
    struct ks_buf args = {0};
    options_for_info(r, &args);
    /* Exact headers for this kernel: note them, so a copy of this cache finds its entries
     * on a machine of this kernel that has no headers. */
    bool exact = have_headers && h.exact && (!uts[0] || !strcmp(uts, ks_kernel_release()));

    uint64_t t0 = ks_now_ns();
    const char *why = "";
    /* Maps the life cycle uses by name: the event stream's. */
    struct ks_map_need maps[3];
    int nmaps = 0;
    if (t->on_event) {
        maps[nmaps++] = (struct ks_map_need){
            "events", r->ringbuf ? BPF_MAP_TYPE_RINGBUF : BPF_MAP_TYPE_PERF_EVENT_ARRAY};
        if (r->ringbuf)
            maps[nmaps++] = (struct ks_map_need){"events_stat", BPF_MAP_TYPE_PERCPU_ARRAY};
        if (r->inplace)
            maps[nmaps++] = (struct ks_map_need){"ks_rings", BPF_MAP_TYPE_ARRAY};
    }
    struct ks_object *o = ks_cache_get(&cache, key, &why);
    char misfit[256];
    if (o && !ks_cache_fits(o, plan, nplan, maps, nmaps, misfit, sizeof(misfit))) {
        /* Intact but not this tool's program: never load it; replace it. */
        ks_info("compile cache: entry discarded: %s; compiling", misfit);
        ks_cache_drop(&cache, key);
        ks_object_free(o);
        o = NULL;
        why = NULL;
    }
    if (o) {
        ks_info("program: from the compile cache (%s), %.1f ms: no compile (no libbcc compiler, "
                "LLVM or kernel headers used)",
                p, (double)(ks_now_ns() - t0) / 1e6);
        if (target) {
            ks_cache_put_info(&cache, key, t->spec.name, args.s);
            ks_cache_note_kernel(&cache, hid, reads);
        }
        ks_buf_free(&args);
        g_used_cache = cache;
        memcpy(g_used_key, key, sizeof(g_used_key));
        g_from_cache = true;
        return o;
    }
    if (cache.enabled && why)
        ks_info("compile cache: %s; compiling", why);
    if (!have_headers) {
        ks_err("no program for this kernel (%s) with these options in the cache %s, and no "
               "kernel headers here to compile one",
               ks_kernel_release(), cache.dir);
        fleet_advice();
        exit(1);
    }
    /* Light headers (ks_headers_light) for a program of tracepoints only, whose
     * tracepoint paths read no structs, compiled for this machine. */
    bool light = !reads && !target && !ks_kernel_is_profile();
    for (int i = 0; i < t->nprobes; i++)
        light = light && (r->choices[i].kind == KS_KIND_NONE ||
                          r->choices[i].kind == KS_KIND_TRACEPOINT);
    o = ks_compile(text, &h, light, plan, nplan, &err);
    release_headers();
    if (!o) {
        ks_err("%s", err.s);
        if (strstr(err.s, KS_COMPILE_NO_LIBBCC)) {
            fprintf(stderr, "Install it (apt-get install libbpfcc), or:\n");
            fleet_advice();
        }
        ks_buf_free(&err);
        exit(1);
    }
    ks_info("program: compiled in %.0f ms", (double)(ks_now_ns() - t0) / 1e6);
    if (ks_cache_put(&cache, key, o)) {
        ks_info("compile cache: stored %s", p);
        ks_cache_put_info(&cache, key, t->spec.name, args.s);
        if (exact)
            ks_cache_note_kernel(&cache, hid, reads);
    } else if (target) {
        ks_err("cannot store the program in the compile cache %s", cache.dir);
        exit(1);
    }
    ks_buf_free(&args);
    return o;
}

/* In-place rings (KS_EVENTS_INPLACE, bpfsrc/kscope.bpf.h): -b pages per CPU, each ring one
 * entry of an array map, whose entries the kernel allocates with kmalloc's limit (4 MiB). */
#define KS_INPLACE_MAX_PAGES 512
static bool inplace_possible(struct ks_run *r, const char **why)
{
    if (strcmp(ks_kernel_machine(), "x86_64") != 0) {
        *why = "only x86_64 (its stores are seen in order) writes events in place";
        return false;
    }
    if (!ks_have_inplace_events()) {
        *why = "the kernel has no mmapable arrays or atomic adds for BPF (5.12+)";
        return false;
    }
    /* As many pages per CPU as the tool's perf buffers have: each ring serves one CPU. */
    long pages = r->opt.pages_set ? r->opt.pages : r->tool->spec.default_pages;
    if (pages > KS_INPLACE_MAX_PAGES) {
        *why = "-b is above 512 pages, the most a ring written in place can have";
        return false;
    }
    r->inplace_bytes = pages * sysconf(_SC_PAGESIZE);
    return true;
}

/* The event stream: the BPF ring buffer where the kernel has one (5.8+), else per-CPU
 * perf buffers. -b is per CPU for both; the one ring gets -b times the CPUs (rounded up
 * to a power of two), mapped twice by the reader (for wrap-around), so it shows twice in
 * the tool's RSS. */
static int choose_events(struct ks_run *r)
{
    int ptype = ks_prog_type_supported(BPF_PROG_TYPE_TRACEPOINT) ? BPF_PROG_TYPE_TRACEPOINT
                                                                  : BPF_PROG_TYPE_KPROBE;
    bool have = ks_map_type_supported(BPF_MAP_TYPE_RINGBUF) &&
                ks_helper_supported(ptype, BPF_FUNC_ringbuf_output);
    if (r->opt.events == KS_EVENTS_RINGBUF && !have) {
        ks_err("this kernel has no BPF ring buffer (added in 5.8); use --events=perf or auto");
        return 1;
    }
    r->ringbuf = have && r->opt.events != KS_EVENTS_PERF;
    const char *why = NULL;
    if (r->tool->spec.inplace_events && r->ringbuf && r->opt.events != KS_EVENTS_RINGBUF)
        r->inplace = inplace_possible(r, &why);
    if (r->opt.events == KS_EVENTS_INPLACE && !r->inplace) {
        ks_err("cannot build events in place here: %s; use --events=auto, ringbuf or perf",
               why ? why : "this kernel has no BPF ring buffer (added in 5.8)");
        return 1;
    }
    if (r->inplace) {
        /* The ring buffer only carries wake-up calls: one page. */
        r->ring_pages = 1;
        ks_info("events: built in place in a ring of %ld pages per CPU%s",
                r->inplace_bytes / sysconf(_SC_PAGESIZE),
                r->opt.events == KS_EVENTS_INPLACE ? " (--events=inplace)"
                                                   : " (x86_64; the kernel has mmapable arrays "
                                                     "and atomic adds, 5.12+)");
    } else if (r->ringbuf) {
        if (why)
            ks_info("events: not built in place: %s", why);
        int cpus[1024];
        int n = ks_online_cpus(cpus, 1024);
        if (!r->opt.pages_set)
            r->opt.pages = KS_RING_PAGES;
        long pages = r->opt.pages * (n > 0 ? n : 1);
        r->ring_pages = 1;
        while (r->ring_pages < pages)
            r->ring_pages <<= 1;
        ks_info("events: BPF ring buffer of %ld pages%s", r->ring_pages,
                r->opt.events == KS_EVENTS_RINGBUF ? " (--events=ringbuf)" : " (kernel has it)");
    } else {
        ks_info("events: perf buffers of %ld pages per CPU (%s)", r->opt.pages,
                r->opt.events == KS_EVENTS_PERF ? "--events=perf"
                                                : "no BPF ring buffer: kernel before 5.8");
    }
    return 0;
}

/* Does this struct-read column print "-" in this run (principle 3)? *why says why. */
static bool col_dashed(struct ks_run *r, const struct ks_struct_cols *c, const char **why)
{
    const struct ks_probe_choice *ch = ks_choice(r, c->probe);
    return !c->off && ch && ch->kind == KS_KIND_TRACEPOINT && !ks_struct_reads(r, why);
}

/* Processes older than the tool: their parents from /proc (ks_parent_of, kscope.bpf.h). */
static void seed_parents(struct ks_run *r)
{
    int fd = ks_object_map_fd(r->obj, "ks_parent_of");
    if (fd >= 0)
        ks_info("parents of %zu running processes recorded from /proc", ks_map_seed_parents(fd));
}

/* At start: one line per struct-read column that prints "-", on stderr. */
static void say_dashed(struct ks_run *r)
{
    const struct ks_tool *t = r->tool;
    const char *why = "";
    for (int i = 0; i < t->nstruct_cols; i++) {
        const struct ks_struct_cols *c = &t->struct_cols[i];
        if ((!c->on || *c->on) && col_dashed(r, c, &why))
            fprintf(stderr, "%s: %s print%s \"-\" (null in JSON): %s, and %s\n", t->spec.name,
                    c->columns, strstr(c->columns, " and ") ? "" : "s", c->what, why);
    }
}

/* --check: one line per probe (for people and kscope-doctor), or one JSON object. */
static void print_check(struct ks_run *r, bool ok)
{
    const struct ks_tool *t = r->tool;
    /* Decided before anything is printed: finding the headers may fork, and a child must
     * not inherit (and flush) a buffer holding these lines. */
    if (t->nstruct_cols)
        ks_struct_reads(r, NULL);
    struct ks_json *j = r->opt.json ? ks_out_writer() : NULL;
    if (j) {
        ks_json_object(j, NULL);
        ks_json_str(j, "tool", t->spec.name);
        ks_json_str(j, "probe_mode", ks_probe_mode_name(r->opt.probe_mode));
        ks_json_array(j, "probes");
    }
    for (int i = 0; i < t->nprobes; i++) {
        const struct ks_probe_choice *c = &r->choices[i];
        const char *kind = ks_probe_kind_name(c->kind);
        /* Probes from a pattern attach functions of their own name: say which (the compat
         * check compiles them). */
        const char *func = t->probes[i].func && c->kind != KS_KIND_NONE ? c->func : NULL;
        if (!j) {
            printf("probe %s %s %s%s%s\n", t->probes[i].name, kind, c->target ? c->target : "-",
                   func ? " " : "", func ? func : "");
            continue;
        }
        ks_json_object(j, NULL);
        ks_json_str(j, "name", t->probes[i].name);
        ks_json_str(j, "kind", kind);
        ks_json_str(j, "target", c->target);
        if (func)
            ks_json_str(j, "func", func);
        ks_json_end(j);
    }
    if (j) {
        ks_json_end(j);
        if (t->nstruct_cols)
            ks_json_array(j, "dashed");
    }
    /* "dash COLUMNS (with OPTION): WHAT, and WHY": columns that print "-" here. */
    for (int i = 0; ok && i < t->nstruct_cols; i++) {
        const struct ks_struct_cols *c = &t->struct_cols[i];
        const char *why = "";
        if (!col_dashed(r, c, &why))
            continue;
        if (!j) {
            printf("dash %s%s%s%s: %s, and %s\n", c->columns, c->option ? " (with " : "",
                   c->option ? c->option : "", c->option ? ")" : "", c->what, why);
            continue;
        }
        ks_json_object(j, NULL);
        ks_json_str(j, "columns", c->columns);
        ks_json_str(j, "option", c->option);
        ks_json_str(j, "what", c->what);
        ks_json_str(j, "why", why);
        ks_json_end(j);
    }
    if (j) {
        if (t->nstruct_cols)
            ks_json_end(j);
        ks_json_str(j, "result", ok ? "ok" : "unsupported");
        ks_json_end(j);
        ks_json_nl(j);
    } else {
        printf("result %s\n", ok ? "ok" : "unsupported");
    }
}

static struct ks_profile g_target;

static void close_target(void)
{
    ks_profile_close(&g_target);
}

/* KS_TID_ARRAY maps (bpfsrc/kscope.bpf.h, names beginning "tid_"): an entry for each thread
 * id below the kernel's pid_max, so no two live threads share one, but not more than
 * KS_TID_ARRAY_MAX (2.5 MiB for opensnoop's 40-byte entries); a machine with a larger
 * pid_max sends threads with larger ids to the program's hash map. KSCOPE_TID_ARRAY_MAX
 * lowers the cap, so that tests reach the hash map path too. */
#define KS_TID_ARRAY_MAX 65536
static bool is_tid_array(const struct ks_map_def *m)
{
    return m->type == BPF_MAP_TYPE_ARRAY && strncmp(m->name, "tid_", 4) == 0;
}

static void size_tid_arrays(struct ks_object *obj)
{
    uint32_t i = 0;
    while (i < obj->nmaps && !is_tid_array(&obj->maps[i]))
        i++;
    if (i == obj->nmaps)
        return; /* the program has none */
    long cap = KS_TID_ARRAY_MAX, pid_max = 0, v;
    const char *env = getenv("KSCOPE_TID_ARRAY_MAX");
    if (env && ks_parse_long(env, 1, KS_TID_ARRAY_MAX, &v))
        cap = v;
    else if (env)
        ks_warn("KSCOPE_TID_ARRAY_MAX=%s ignored: it takes a number from 1 to %d",
                env, KS_TID_ARRAY_MAX);
    char *s = ks_read_file("/proc/sys/kernel/pid_max", NULL);
    if (!s || !ks_parse_long(strtok(s, "\n"), 1, 1L << 30, &pid_max))
        pid_max = cap; /* unreadable: the cap */
    free(s);
    long n = pid_max < cap ? pid_max : cap;
    for (; i < obj->nmaps; i++) {
        struct ks_map_def *m = &obj->maps[i];
        if (!is_tid_array(m))
            continue;
        m->max_entries = (uint32_t)n;
        ks_info("map %s: an entry for each thread id below %ld (pid_max %ld, cap %ld)%s", m->name,
                n, pid_max, cap, n < pid_max ? "; larger ids use a hash map" : "");
    }
}

/* --target: every question about the kernel is answered by the profile from here on. */
static void open_target(const char *file)
{
    struct ks_buf err = {0};
    if (ks_profile_open(file, &g_target, &err) != 0) {
        ks_err("%s", err.s);
        exit(1);
    }
    atexit(close_target);
    ks_profile_use(&g_target);
    ks_info("target: %s (%s, profile %s)", g_target.release, g_target.machine, file);
}

int ks_tool_main(const struct ks_tool *t, int argc, char **argv)
{
    /* Static: the run's state lives as long as the process, and stays reachable (for
     * LeakSanitizer) on every way out, early error returns included. */
    static struct ks_run run;
    struct ks_run *r = &run;
    memset(r, 0, sizeof(*r));
    r->tool = t;
    ks_set_prog(t->spec.name);
    ks_opts_parse(&t->spec, argc, argv, &r->opt);
    ks_out_set_json(r->opt.json);
    if (r->opt.man) {
        ks_man_print(stdout, t);
        return 0;
    }

    /* Events go out a line at a time to a terminal, in blocks to a file or pipe; the loop
     * flushes whenever it goes idle, so a reader of the file never waits long. */
    static char outbuf[1 << 16];
    setvbuf(stdout, isatty(1) ? NULL : outbuf, isatty(1) ? _IOLBF : _IOFBF,
            isatty(1) ? 0 : sizeof(outbuf));

    r->argc = argc;
    r->argv = argv;
    /* Before 5.11 BPF memory counts against RLIMIT_MEMLOCK: the feature probes below count
     * too, so this comes first (a probe failing for memory would deny a feature). */
    struct rlimit rl = {RLIM_INFINITY, RLIM_INFINITY};
    setrlimit(RLIMIT_MEMLOCK, &rl);
    const char *fake = getenv("KSCOPE_FAKE_ROOT");
    if (fake && *fake)
        ks_features_set_root(fake);
    if (r->opt.target) {
        if (r->opt.no_cache)
            ks_usage_error("--target compiles into the cache: it cannot go with --no-cache");
        open_target(r->opt.target);
    }
    if (t->configure)
        t->configure(r);
    if (r->opt.prom) {
        struct ks_buf perr = {0};
        if (ks_prom_open(r->opt.prom, t->spec.name, &perr) != 0) {
            ks_err("%s", perr.s);
            exit(2);
        }
        ks_define(r, "KS_PROM", 1, "--prom: measure what the metrics need (histogram sums)");
        if (!r->opt.interval && !r->opt.duration && !r->opt.check && !r->opt.ebpf)
            ks_warn("--prom without an interval writes %s only at the end; give one (e.g. "
                    "%s --prom %s 15) to refresh it as you trace",
                    r->opt.prom, t->spec.name, r->opt.prom);
    }

    if (!r->opt.ebpf && !r->opt.check && geteuid() != 0) {
        ks_err("must run as root: loading BPF programs needs CAP_SYS_ADMIN (try: sudo %s)",
               t->spec.name);
        return 1;
    }
    const char *tfs_why;
    if (!ks_tracefs(&tfs_why) && r->opt.probe_mode != KS_MODE_KPROBE)
        ks_info("%s", tfs_why);

    r->choices = ks_xcalloc((size_t)t->nprobes, sizeof(*r->choices));
    struct ks_buf err = {0};
    int rc = ks_probes_resolve(t->probes, t->nprobes, r->opt.probe_mode, r->choices, &err);
    for (int i = 0; i < t->nprobes && ks_verbose; i++) {
        ks_info("probe %s:", t->probes[i].name);
        const char *s = r->choices[i].why.s;
        while (s && *s) {
            const char *nl = strchr(s, '\n');
            int len = nl ? (int)(nl - s) : (int)strlen(s);
            ks_info("    %.*s", len, s);
            s += len + (nl ? 1 : 0);
        }
    }
    int attached = 0;
    for (int i = 0; i < t->nprobes; i++)
        attached += r->choices[i].kind != KS_KIND_NONE;
    if (rc == 0 && attached == 0) {
        ks_buf_printf(&err, "no probe of %s can be attached on this kernel (--probe=%s)\n",
                      t->spec.name, ks_probe_mode_name(r->opt.probe_mode));
        rc = -1;
    }
    if (rc == 0 && r->opt.mntnsmap) {
        /* --mntnsmap reads a struct: see ks_containers_check. */
        bool tracepoint_used = false;
        for (int i = 0; i < t->nprobes; i++)
            tracepoint_used |= r->choices[i].kind == KS_KIND_TRACEPOINT;
        const char *reads_why = "";
        bool reads = ks_struct_reads(r, &reads_why);
        if (ks_containers_check(&r->opt, tracepoint_used, reads, reads_why, &err) != 0)
            rc = -1;
    }
    if (r->opt.check) {
        print_check(r, rc == 0);
        if (!ks_flush() && out_status() != 0)
            return 1;
    }
    if (rc != 0) {
        if (err.len && err.s[err.len - 1] == '\n')
            err.s[--err.len] = '\0';
        ks_err("%s", err.s);
        /* A kprobe-only tool without kprobes: its one line says all there is. */
        if (r->opt.probe_mode != KS_MODE_AUTO && rc != KS_PROBES_NEED_KPROBES)
            fprintf(stderr, "Try --probe=auto, or run kscope-doctor to see what this kernel "
                            "supports.\n");
        ks_buf_free(&err);
        return 1;
    }
    ks_buf_free(&err);

    if (r->opt.check)
        return 0;
    if (t->on_event && choose_events(r) != 0)
        return 1;
    struct ks_buf text = {0};
    build_text(r, &text);
    if (r->opt.ebpf && r->opt.json) {
        /* One object: the program text as a string. */
        struct ks_json *j = ks_out_writer();
        ks_json_object(j, NULL);
        ks_json_str(j, "tool", t->spec.name);
        ks_json_str(j, "bpf_program", text.s);
        ks_json_end(j);
        ks_json_nl(j);
        ks_buf_free(&text);
        ks_flush();
        return out_status();
    }
    if (r->opt.ebpf) {
        release_headers();
        fputs(text.s, stdout);
        ks_buf_free(&text);
        ks_flush();
        return out_status();
    }

    r->obj = get_object(r, text.s);
    ks_buf_free(&text);
    if (r->opt.target) {
        printf("%s: program for %s (--probe=%s) in the compile cache\n", t->spec.name,
               ks_kernel_release(), ks_probe_mode_name(r->opt.probe_mode));
        ks_object_free(r->obj);
        return 0;
    }
    if (r->ringbuf) {
        for (uint32_t i = 0; i < r->obj->nmaps; i++)
            if (!strcmp(r->obj->maps[i].name, "events") &&
                r->obj->maps[i].type == BPF_MAP_TYPE_RINGBUF)
                r->obj->maps[i].max_entries =
                    (uint32_t)(r->ring_pages * sysconf(_SC_PAGESIZE));
    }
    if (r->inplace) {
        /* A ring for each CPU id up to the highest online one (ids may have gaps). */
        int cpus[1024], top = 0;
        int n = ks_online_cpus(cpus, 1024);
        for (int i = 0; i < n; i++)
            if (cpus[i] + 1 > top)
                top = cpus[i] + 1;
        for (uint32_t i = 0; i < r->obj->nmaps; i++)
            if (!strcmp(r->obj->maps[i].name, "ks_rings"))
                r->obj->maps[i].max_entries = (uint32_t)(top > 0 ? top : 1);
    }
    size_tid_arrays(r->obj);
    if (ks_containers_use_maps(&r->opt, r->obj, &err) != 0) {
        ks_err("%s", err.s);
        return 1;
    }
    if (ks_object_load(r->obj, &err) != 0) {
        ks_err("%s", err.s);
        drop_cached_program();
        return 1;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    for (int i = 0; i < t->nprobes; i++) {
        const struct ks_probe_choice *c = &r->choices[i];
        if (c->kind == KS_KIND_NONE)
            continue;
        int fd = ks_object_prog_fd(r->obj, c->func);
        if (ks_attach(fd, c, &err) != 0) {
            ks_detach_all();
            ks_err("%s", err.s);
            drop_cached_program();
            return 1;
        }
        ks_info("attached %s to %s %s (program id %u)", c->func,
                c->kind == KS_KIND_PERF ? "perf event (every CPU asked for)"
                                        : ks_probe_kind_name(c->kind),
                c->target, ks_prog_id(fd));
    }

    if (!t->parents_after_ready)
        seed_parents(r);

    struct ks_perf *perf = NULL;
    if (t->on_event) {
        const struct ks_map_def *m = ks_object_map(r->obj, "events");
        int fd = ks_object_map_fd(r->obj, "events");
        if (!m || fd < 0) {
            ks_err("internal: the BPF program has no 'events' map");
            return 1;
        }
        if (r->inplace) {
            const struct ks_map_def *rm = ks_object_map(r->obj, "ks_rings");
            if (!rm) {
                ks_err("internal: the BPF program has no 'ks_rings' map");
                return 1;
            }
            perf = ks_perf_open_inplace(ks_object_map_fd(r->obj, "ks_rings"), rm->max_entries,
                                        rm->value_size, (uint64_t)r->inplace_bytes, fd,
                                        event_adapter, r, &err);
        } else if (r->ringbuf) {
            const struct ks_map_def *st = ks_object_map(r->obj, "events_stat");
            if (!st) {
                ks_err("internal: the BPF program has no 'events_stat' map");
                return 1;
            }
            perf = ks_perf_open_ring(fd, ks_object_map_fd(r->obj, "events_stat"),
                                     st->value_size, event_adapter, r, &err);
        } else {
            perf = ks_perf_open(fd, m->max_entries, (int)r->opt.pages,
                                t->wakeup_events ? t->wakeup_events : 1, event_adapter, r, &err);
        }
        if (!perf) {
            ks_err("%s", err.s);
            return 1;
        }
    }

    r->start_ns = ks_now_ns();
    say_dashed(r);
    if (t->on_start)
        t->on_start(r);
    ks_flush();
    /* JSON has no header line: -v says when tracing has started. */
    if (r->opt.json)
        ks_info("ready: tracing, JSON Lines on stdout");
    if (t->parents_after_ready)
        seed_parents(r);

    uint64_t deadline = r->opt.duration ? r->start_ns + (uint64_t)r->opt.duration * 1000000000ull : 0;
    uint64_t next_iv = r->opt.interval ? r->start_ns + (uint64_t)r->opt.interval * 1000000000ull : 0;
    long left = r->opt.count;
    bool pid_gone = false, last_due = false;
    while (!g_stop) {
        uint64_t now = ks_now_ns();
        if (deadline && now >= deadline)
            break;
        long gone = ks_attach_pid_gone();
        if (gone) {
            /* Its uprobes can see nothing more: end as at Ctrl-C, with the output. */
            fprintf(stderr, "%s: process %ld exited; detaching\n", ks_prog, gone);
            pid_gone = true;
            break;
        }
        if (next_iv && now >= next_iv) {
            /* The last interval is printed after the loop, once the probes are detached:
             * otherwise a span ending during the read lands in one map (the histogram)
             * and not the other (-e's total and count). */
            if (left == 1) {
                last_due = true;
                break;
            }
            if (t->on_interval)
                t->on_interval(r);
            ks_flush();
            ks_prom_write();
            next_iv += (uint64_t)r->opt.interval * 1000000000ull;
            if (left)
                left--;
            continue;
        }
        /* Wake at least every 100 ms to flush, drain, check the clock and the reader. */
        uint64_t wait = 100000000ull;
        if (deadline && deadline - now < wait)
            wait = deadline - now;
        if (next_iv && next_iv - now < wait)
            wait = next_iv - now;
        int ms = (int)((wait + 999999) / 1000000);
        if (perf) {
            if (out_reader_gone())
                break;
            int got = ks_perf_poll(perf, ms);
            if (t->on_batch) {
                t->on_batch();
                out_check();
            }
            /* Idle, or busy for 100 ms: on a busy machine a snoop tool's events never
             * stop arriving, and its lines must not wait for a full stdio buffer. */
            static uint64_t flushed_ns;
            if (got == 0 || now - flushed_ns >= 100000000ull) {
                ks_flush();
                flushed_ns = now;
            }
        } else {
            /* Sleep, but wake at once when the reader of stdout goes away. */
            struct pollfd p = {.fd = STDOUT_FILENO, .events = 0};
            if (poll(&p, 1, ms) == 1 && (p.revents & POLLERR))
                out_failed(EPIPE);
        }
    }
    /* Stop the probes first so the final read sees a settled picture. */
    ks_detach_all();
    /* The last events and the final output, unless output failed: nowhere to print them. */
    if (perf && !g_out_errno) {
        ks_perf_poll(perf, 0);
        ks_perf_finish(perf); /* a last non-blocking pass over every buffer */
        if (t->on_batch) {
            t->on_batch();
            t->on_batch(); /* a second pass ends any join still waiting */
        }
    }
    if (!g_out_errno && t->on_interval &&
        (!r->opt.interval || g_stop || deadline || pid_gone || last_due)) {
        t->on_interval(r);
        ks_prom_write();
    }
    if (!g_out_errno && t->on_exit)
        t->on_exit(r);
    ks_flush();
    uint64_t lost = ks_perf_lost(perf);
    if (lost && !g_out_errno)
        fprintf(stderr, "%s: %llu events lost in total\n", ks_prog, (unsigned long long)lost);
    ks_perf_close(perf);
    ks_object_free(r->obj);
    ks_probes_free(r->choices, t->nprobes);
    free(r->choices);
    ks_buf_free(&r->defines);
    ks_buf_free(&err);
    return out_status();
}
