/* plockstat: pthread mutex and rwlock wait and hold times of one process, per caller
 * (after DTrace's plockstat, in BCC klockstat's layout). */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_lockstat.h"
#include "ks_record.h"
#include "ks_stack.h"
#include "ks_tool.h"
#include "ks_uprobe.h"
#include "ks_usyms.h"

extern const char ks_bpfsrc_plockstat_bpf_c[];

static struct ks_lockstat_opts o = KS_LOCKSTAT_DEFAULTS;

static const struct ks_opt opts[] = {
    KS_LOCKSTAT_OPTS(o),
    KS_OPT_END,
};

/* Uprobes only (no tracepoint sees user-space locks), on the functions of the C library
 * the process maps: each lock call's entry and return, and the unlocks. The rwlock calls
 * are optional (a C library without them still has its mutexes traced). */
enum { NFUNCS = 14 };
static struct ks_uprobe_spec specs[NFUNCS];
#define UP(name_, fn_, ret_, func_, opt_)                                                     \
    {.name = name_, .uprobe = &specs[fn_], .ret = ret_, .func = func_, .optional = opt_}
static struct ks_probe probes[NFUNCS] = {
    UP("mutex_lock", 0, false, "up_enter", false),
    UP("mutex_lock_ret", 1, true, "up_lock_ret", false),
    UP("mutex_trylock", 2, false, "up_enter", false),
    UP("mutex_trylock_ret", 3, true, "up_trylock_ret", false),
    UP("mutex_unlock", 4, false, "up_unlock", false),
    UP("rwlock_rdlock", 5, false, "up_enter", true),
    UP("rwlock_rdlock_ret", 6, true, "up_lock_ret", true),
    UP("rwlock_wrlock", 7, false, "up_enter", true),
    UP("rwlock_wrlock_ret", 8, true, "up_lock_ret", true),
    UP("rwlock_tryrdlock", 9, false, "up_enter", true),
    UP("rwlock_tryrdlock_ret", 10, true, "up_trylock_ret", true),
    UP("rwlock_trywrlock", 11, false, "up_enter", true),
    UP("rwlock_trywrlock_ret", 12, true, "up_trylock_ret", true),
    UP("rwlock_unlock", 13, false, "up_unlock", true),
};
/* The C function of each probe (a probe and its _ret share it). */
static const char *const funcs[NFUNCS] = {
    "pthread_mutex_lock",     "pthread_mutex_lock",     "pthread_mutex_trylock",
    "pthread_mutex_trylock",  "pthread_mutex_unlock",   "pthread_rwlock_rdlock",
    "pthread_rwlock_rdlock",  "pthread_rwlock_wrlock",  "pthread_rwlock_wrlock",
    "pthread_rwlock_tryrdlock", "pthread_rwlock_tryrdlock", "pthread_rwlock_trywrlock",
    "pthread_rwlock_trywrlock", "pthread_rwlock_unlock",
};

static uint32_t g_pid;

/* User frames from the return probes' stacks: the first frame is the caller. */
static int user_frames(int stacks_fd, int stackid, char **out, int max)
{
    if (stackid < 0) {
        out[0] = ks_xstrdup("[Missed User Stack]");
        return 1;
    }
    uint64_t ips[KS_STACK_DEPTH];
    int n = ks_stack_read(stacks_fd, stackid, ips, KS_STACK_DEPTH), m = 0;
    char buf[256];
    for (int i = 0; i < n && m < max; i++)
        out[m++] = ks_xstrdup(ks_usym_str(g_pid, ips[i], true, buf, sizeof(buf)));
    return m;
}

static void configure(struct ks_run *r)
{
    if (r->opt.pid < 0 && !r->opt.ebpf && !r->opt.check && !r->opt.target)
        ks_usage_error("-p PID is required: plockstat traces the locks of one process");
    /* -p: the uprobes are attached to the process (the kernel runs them for its address
     * space only), so the program needs no PID_FILTER: one program for every process. */
    o.pid_at_attach = true;
    ks_lockstat_configure(r, &o);
    g_pid = (uint32_t)r->opt.pid;
    static char libc[PATH_MAX], libpthread[PATH_MAX];
    struct ks_buf err = {0};
    long pid = r->opt.pid;
    if (!ks_uprobe_find_mapped("c", pid, libc, sizeof(libc), &err))
        ks_usage_error("-p %ld: %s", pid, err.s ? err.s : "the C library was not found");
    ks_buf_free(&err);
    /* Before glibc 2.34 the pthread functions live in libpthread. */
    if (!ks_uprobe_find_mapped("pthread", pid, libpthread, sizeof(libpthread), &err))
        libpthread[0] = '\0';
    ks_buf_free(&err);
    for (int i = 0; i < NFUNCS; i++) {
        uint64_t off = 0;
        const char *path = libc;
        if (!(libpthread[0] && ks_uprobe_func_offset(libpthread, funcs[i], &off, &err))) {
            ks_buf_free(&err);
            if (!ks_uprobe_func_offset(libc, funcs[i], &off, &err)) {
                if (!probes[i].optional) {
                    ks_err("%s: %s (a static binary, or a C library without pthreads?)",
                           funcs[i], err.s);
                    exit(1);
                }
                probes[i].off = true;
                ks_buf_free(&err);
                continue;
            }
        } else {
            path = libpthread;
        }
        ks_buf_free(&err);
        specs[i] = (struct ks_uprobe_spec){.path = path, .offset = off, .what = funcs[i],
                                           .pid = pid};
    }
}

static void on_start(struct ks_run *r)
{
    (void)r;
    ks_lockstat_banner();
}

static void on_interval(struct ks_run *r)
{
    ks_lockstat_report(r, &o, true, user_frames);
}

static const struct ks_tool tool = {
    .spec =
        {
            .name = "plockstat",
            .json = true,
            .description = "pthread mutex and rwlock wait and hold times of one process, per "
                           "caller",
            .opts = opts,
            .common = KS_C_PID | KS_C_DURATION,
            .examples = "    plockstat -p 123            # the locks of process 123, at Ctrl-C\n"
                        "    plockstat -p 123 -d 5       # for 5 seconds\n"
                        "    plockstat -p 123 -i 5       # every 5 seconds\n"
                        "    plockstat -p 123 -s 3       # 3 frames per caller\n"
                        "    plockstat -p 123 -S hld_total  # holds sorted by total time\n",
        },
    .bpf_source = ks_bpfsrc_plockstat_bpf_c,
    .bpf_name = "plockstat.bpf.c",
    .probes = probes,
    .nprobes = NFUNCS,
    .configure = configure,
    .on_start = on_start,
    .on_interval = on_interval,
    .on_exit = ks_lockstat_on_exit,
};

int main(int argc, char **argv)
{
    return ks_tool_main(&tool, argc, argv);
}
