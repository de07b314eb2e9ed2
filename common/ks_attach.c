#define _GNU_SOURCE
#include "ks_attach.h"

#include <bcc/libbpf.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ks_sys.h"

enum att_type { ATT_PERF, ATT_KPROBE, ATT_UPROBE };

struct attachment {
    int fd;
    enum att_type type; /* kprobes and uprobes may have an event in tracefs to remove */
    long pid;           /* a uprobe of one process, or -1 */
    char ev_name[128];
};

static struct attachment *g_att;
static int g_natt, g_cap;
static bool g_atexit;

int ks_attach_count(void)
{
    return g_natt;
}

static void remember(int fd, enum att_type type, long pid, const char *ev)
{
    if (!g_atexit) {
        atexit(ks_detach_all);
        g_atexit = true;
    }
    if (g_natt == g_cap) {
        g_cap = g_cap ? g_cap * 2 : 8;
        g_att = ks_xrealloc(g_att, (size_t)g_cap * sizeof(*g_att));
    }
    g_att[g_natt].fd = fd;
    g_att[g_natt].type = type;
    g_att[g_natt].pid = pid;
    snprintf(g_att[g_natt].ev_name, sizeof(g_att[g_natt].ev_name), "%s", ev ? ev : "");
    g_natt++;
}

/* One sampling event per CPU (or the one CPU asked for), each running the program. */
static int attach_perf(int prog_fd, const struct ks_probe_choice *c, struct ks_buf *err)
{
    static int cpus[4096];
    int n = 0;
    if (c->perf->cpu >= 0) {
        cpus[n++] = c->perf->cpu;
    } else {
        n = ks_online_cpus(cpus, 4096);
        if (n <= 0) {
            ks_buf_add(err, "cannot read the online CPUs (/sys/devices/system/cpu/online)");
            return -1;
        }
    }
    for (int i = 0; i < n; i++) {
        struct perf_event_attr a;
        memset(&a, 0, sizeof(a));
        a.size = sizeof(a);
        a.type = c->perf_type;
        a.config = c->perf_config;
        if (c->perf->freq) {
            a.freq = 1;
            a.sample_freq = c->perf->freq;
        } else {
            a.sample_period = c->perf->period;
        }
        a.disabled = 1;
        errno = 0;
        int fd = (int)syscall(__NR_perf_event_open, &a, -1, cpus[i], -1, PERF_FLAG_FD_CLOEXEC);
        if (fd >= 0 && (ioctl(fd, PERF_EVENT_IOC_SET_BPF, prog_fd) != 0 ||
                        ioctl(fd, PERF_EVENT_IOC_ENABLE, 0) != 0)) {
            int e = errno;
            close(fd);
            ks_buf_printf(err, "cannot run the program on the %s perf event of CPU %d: %s",
                          c->target, cpus[i], strerror(e));
            return -1;
        }
        if (fd < 0) {
            int e = errno ? errno : EINVAL;
            const char *why = ks_perf_events_denied(c->perf_type, c->perf_config);
            if (e == ENODEV || e == ENXIO)
                ks_buf_printf(err, "cannot open a %s perf event on CPU %d: the CPU is not "
                                   "online",
                              c->target, cpus[i]);
            else
                ks_buf_printf(err, "cannot open a %s perf event on CPU %d: %s", c->target,
                              cpus[i], why ? why : strerror(e));
            return -1;
        }
        remember(fd, ATT_PERF, -1, NULL);
    }
    return 0;
}

/* A uprobe through the uprobe PMU (4.17+) or uprobe_events, as libbcc does it; -p makes it
 * one process's. The USDT semaphore is counted up by the kernel while attached. */
static int attach_uprobe(int prog_fd, const struct ks_probe_choice *c, struct ks_buf *err)
{
    static unsigned seq;
    bool ret = c->kind == KS_KIND_URETPROBE;
    const struct ks_uprobe_spec *u = c->uprobe;
    /* The event name matters only where uprobe_events is used: unique, no user text. */
    char ev[128];
    snprintf(ev, sizeof(ev), "ks%d_%s%u", (int)getpid(), ret ? "r" : "p", seq++);
    errno = 0;
    int fd = bpf_attach_uprobe(prog_fd, ret ? BPF_PROBE_RETURN : BPF_PROBE_ENTRY, ev, u->path,
                               u->offset, u->pid >= 0 ? (pid_t)u->pid : -1,
                               (uint32_t)u->ref_ctr);
    if (fd < 0) {
        int e = errno ? errno : EINVAL;
        ks_buf_printf(err, "cannot attach %s to %s (offset 0x%llx%s): %s",
                      ret ? "uretprobe" : "uprobe", c->target, (unsigned long long)u->offset,
                      u->pid >= 0 ? ", process" : "", strerror(e));
        if (u->pid >= 0 && e == ESRCH)
            ks_buf_printf(err, " (no process %ld)", u->pid);
        if (u->ref_ctr && e == EINVAL)
            ks_buf_add(err, " (USDT probes with a semaphore need 4.20+ here)");
        return -1;
    }
    remember(fd, ATT_UPROBE, u->pid, ev);
    return 0;
}

long ks_attach_pid_gone(void)
{
    long last = 0;
    for (int i = 0; i < g_natt; i++) {
        if (g_att[i].pid <= 0 || g_att[i].pid == last)
            continue; /* a pattern's probes are all for one process: ask once */
        last = g_att[i].pid;
        if (kill((pid_t)last, 0) != 0 && errno == ESRCH)
            return last;
    }
    return 0;
}

int ks_attach(int prog_fd, const struct ks_probe_choice *c, struct ks_buf *err)
{
    if (c->kind == KS_KIND_UPROBE || c->kind == KS_KIND_URETPROBE)
        return attach_uprobe(prog_fd, c, err);

    int fd = -1;
    errno = 0;
    if (c->kind == KS_KIND_PERF)
        return attach_perf(prog_fd, c, err);
    if (c->kind == KS_KIND_TRACEPOINT) {
        char cat[128];
        const char *colon = strchr(c->target, ':');
        snprintf(cat, sizeof(cat), "%.*s", (int)(colon - c->target), c->target);
        fd = bpf_attach_tracepoint(prog_fd, cat, colon + 1);
        if (fd < 0) {
            ks_buf_printf(err, "cannot attach to tracepoint %s: %s", c->target,
                          strerror(errno ? errno : EINVAL));
            return -1;
        }
        remember(fd, ATT_PERF, -1, NULL);
        return 0;
    }
    bool ret = c->kind == KS_KIND_KRETPROBE;
    /* The event name only matters on kernels that create kprobes through kprobe_events. */
    char ev[128];
    snprintf(ev, sizeof(ev), "%s_%s_ks%d", ret ? "r" : "p", c->target, (int)getpid());
    for (char *p = ev; *p; p++)
        if (*p == '.' || *p == '+')
            *p = '_';
    fd = bpf_attach_kprobe(prog_fd, ret ? BPF_PROBE_RETURN : BPF_PROBE_ENTRY, ev, c->target, 0,
                           0);
    if (fd < 0) {
        ks_buf_printf(err, "cannot attach %s to %s: %s", ret ? "kretprobe" : "kprobe", c->target,
                      strerror(errno ? errno : EINVAL));
        return -1;
    }
    remember(fd, ATT_KPROBE, -1, ev);
    return 0;
}

static void *close_fd(void *arg)
{
    close((int)(intptr_t)arg);
    return NULL;
}

void ks_detach_all(void)
{
    /* Disabling stops every program at once. Closing a tracepoint's perf event then waits
     * for the kernel's RCU grace periods (~75 ms each on 6.x): closing them from parallel
     * threads lets them share the wait, so a tool with six probes ends in ~0.1 s, not 0.5. */
    for (int i = 0; i < g_natt; i++)
        ioctl(g_att[i].fd, PERF_EVENT_IOC_DISABLE, 0);
    /* Up to 64 at a time (a pattern may have attached hundreds of uprobes). */
    for (int hi = g_natt - 1; hi >= 0;) {
        pthread_t th[64];
        int nth = 0;
        for (; hi >= 0 && nth < 64; hi--) {
            if (g_att[hi].type == ATT_KPROBE ||
                pthread_create(&th[nth], NULL, close_fd, (void *)(intptr_t)g_att[hi].fd) != 0)
                bpf_close_perf_event_fd(g_att[hi].fd);
            else
                nth++;
        }
        for (int i = 0; i < nth; i++)
            pthread_join(th[i], NULL);
    }
    for (int i = g_natt - 1; i >= 0; i--) {
        if (g_att[i].type == ATT_KPROBE)
            bpf_detach_kprobe(g_att[i].ev_name);
        else if (g_att[i].type == ATT_UPROBE)
            bpf_detach_uprobe(g_att[i].ev_name);
    }
    g_natt = 0;
}
