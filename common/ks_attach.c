#define _GNU_SOURCE
#include "ks_attach.h"

#include <bcc/libbpf.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

struct attachment {
    int fd;
    bool kprobe;
    char ev_name[128];
};

static struct attachment *g_att;
static int g_natt, g_cap;
static bool g_atexit;

int ks_attach_count(void)
{
    return g_natt;
}

static void remember(int fd, bool kprobe, const char *ev)
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
    g_att[g_natt].kprobe = kprobe;
    snprintf(g_att[g_natt].ev_name, sizeof(g_att[g_natt].ev_name), "%s", ev ? ev : "");
    g_natt++;
}

int ks_attach(int prog_fd, const struct ks_probe_choice *c, struct ks_buf *err)
{
    int fd = -1;
    errno = 0;
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
        remember(fd, false, NULL);
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
    remember(fd, true, ev);
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
    pthread_t th[64];
    int nth = 0;
    for (int i = g_natt - 1; i >= 0; i--) {
        if (g_att[i].kprobe || nth == 64 ||
            pthread_create(&th[nth], NULL, close_fd, (void *)(intptr_t)g_att[i].fd) != 0) {
            bpf_close_perf_event_fd(g_att[i].fd);
        } else {
            nth++;
        }
    }
    for (int i = 0; i < nth; i++)
        pthread_join(th[i], NULL);
    for (int i = g_natt - 1; i >= 0; i--)
        if (g_att[i].kprobe)
            bpf_detach_kprobe(g_att[i].ev_name);
    g_natt = 0;
}
