#define _GNU_SOURCE
#include "ks_sched.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_features.h"
#include "ks_hist.h"
#include "ks_prom.h"
#include "ks_record.h"
#include "ks_sys.h"
#include "ks_tool.h"
#include "ks_util.h"

/* A small evaluator for the constant expressions of print formats: integers (decimal or
 * hex), ( ), +, -, <<, |, &. Precedence as in C. */
struct ev {
    const char *s;
    bool bad;
};

static void skip(struct ev *e)
{
    while (*e->s == ' ')
        e->s++;
}

static uint64_t ev_or(struct ev *e);

static uint64_t ev_primary(struct ev *e)
{
    skip(e);
    if (*e->s == '(') {
        e->s++;
        uint64_t v = ev_or(e);
        skip(e);
        if (*e->s != ')')
            e->bad = true;
        else
            e->s++;
        return v;
    }
    char *end;
    uint64_t v = strtoull(e->s, &end, 0);
    if (end == e->s)
        e->bad = true;
    e->s = end;
    /* Integer suffixes (1UL, 0x100ul). */
    while (*e->s == 'u' || *e->s == 'U' || *e->s == 'l' || *e->s == 'L')
        e->s++;
    return v;
}

static uint64_t ev_add(struct ev *e)
{
    uint64_t v = ev_primary(e);
    for (;;) {
        skip(e);
        if (*e->s == '+')
            e->s++, v += ev_primary(e);
        else if (*e->s == '-')
            e->s++, v -= ev_primary(e);
        else
            return v;
    }
}

static uint64_t ev_shift(struct ev *e)
{
    uint64_t v = ev_add(e);
    for (;;) {
        skip(e);
        if (e->s[0] == '<' && e->s[1] == '<') {
            e->s += 2;
            uint64_t n = ev_add(e);
            v = n < 64 ? v << n : 0;
        } else {
            return v;
        }
    }
}

static uint64_t ev_and(struct ev *e)
{
    uint64_t v = ev_shift(e);
    for (;;) {
        skip(e);
        if (*e->s == '&' && e->s[1] != '&')
            e->s++, v &= ev_shift(e);
        else
            return v;
    }
}

static uint64_t ev_or(struct ev *e)
{
    uint64_t v = ev_and(e);
    for (;;) {
        skip(e);
        if (*e->s == '|' && e->s[1] != '|')
            e->s++, v |= ev_and(e);
        else
            return v;
    }
}

uint64_t ks_sched_preempt_bit_from(const char *format, const char **why)
{
    /* ..., REC->prev_state & <expr> ? "+" : "", ... */
    const char *plus = strstr(format, "? \"+\"");
    const char *start = NULL;
    for (const char *p = format; plus && (p = strstr(p, "REC->prev_state & ")) && p < plus;
         p++)
        start = p;
    if (!plus || !start) {
        *why = "the sched_switch format has no \"+\" (preempted) test on prev_state";
        return 0;
    }
    start += strlen("REC->prev_state & ");
    size_t len = (size_t)(plus - start);
    char *expr = ks_xmalloc(len + 1);
    memcpy(expr, start, len);
    expr[len] = '\0';
    struct ev e = {expr, false};
    uint64_t v = ev_or(&e);
    skip(&e);
    bool ok = !e.bad && !*e.s && v && !(v & (v - 1));
    free(expr);
    if (!ok) {
        *why = "the sched_switch format's preempted test is not a single bit";
        return 0;
    }
    return v;
}

uint64_t ks_sched_preempt_bit(const char **why)
{
    const char *tfs = ks_tracefs(why);
    if (!tfs)
        return 0;
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/events/sched/sched_switch/format", tfs);
    char *text = ks_read_file(path, NULL);
    if (!text) {
        *why = "cannot read the sched_switch tracepoint's format";
        return 0;
    }
    uint64_t bit = ks_sched_preempt_bit_from(text, why);
    free(text);
    return bit;
}

/* ---- The scheduler tools above the runtime ---- */

bool ks_sched_define_state_mask(struct ks_run *r, const char **why)
{
    uint64_t bit = ks_sched_preempt_bit(why);
    if (!bit)
        return false;
    ks_define(r, "REPORT_STATE_MASK", (long long)(bit - 1),
              "prev_state bits below the preempted bit, from the sched_switch format");
    return true;
}

void ks_sched_define_pid(struct ks_run *r, long pid)
{
    ks_define(r, "NUM_PID", pid > 0, "-p");
    if (pid > 0)
        ks_define(r, "PID_0", pid, NULL);
}

void ks_sched_interval_begin(bool timestamp)
{
    ks_interval_begin();
    ks_textf("\n");
    if (timestamp) {
        char t[16];
        ks_textf("%-8s\n", ks_time_str(t, sizeof(t), "%H:%M:%S"));
    }
}

void ks_runq_configure(struct ks_run *r, long pid, long tid, bool by_process, bool comms)
{
    const char *why = NULL;
    ks_define(r, "KS_RUNQ", 1, "run-queue latency (kscope.bpf.h)");
    if (!ks_sched_define_state_mask(r, &why) && r->opt.probe_mode != KS_MODE_KPROBE)
        ks_usage_error("cannot tell runnable threads from sleeping ones on sched_switch here "
                       "(%s); use --probe=kprobe",
                       why);
    ks_sched_define_pid(r, pid);
    ks_define(r, "NUM_TID", tid > 0, "-t");
    if (tid > 0)
        ks_define(r, "TID_0", tid, NULL);
    if (by_process)
        ks_define(r, "RUNQ_BY_PROCESS", 1, "the process id of each latency is needed");
    if (comms)
        ks_define(r, "RUNQ_COMMS", 1, "thread names");
}

void ks_runq_explain(struct ks_run *r, bool by_process)
{
    const struct ks_probe_choice *c = ks_choice(r, "switch");
    if (!by_process || !c)
        return;
    if (c->kind == KS_KIND_TRACEPOINT)
        ks_info("process ids: sched_switch carries thread ids only; each latency is kept "
                "until its thread leaves the CPU, when it is the current task and its process "
                "id is exact (no task struct read, no tid->tgid table); it is reported then");
    else
        ks_info("process ids: the thread switched in is the current task at "
                "finish_task_switch");
}

static int cmp_u64_section(const void *a, const void *b)
{
    uint64_t x, y;
    memcpy(&x, ((const struct ks_hist_section *)a)->key, sizeof(x));
    memcpy(&y, ((const struct ks_hist_section *)b)->key, sizeof(y));
    return x < y ? -1 : x > y;
}

/* "1234 bash" from /proc (a process that exited: "1234"), as BCC's cpudist prints it,
 * without the newline BCC keeps from the file (an extra blank line in its output). */
static void id_comm(uint64_t id, char *buf, size_t size)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%llu/comm", (unsigned long long)id);
    char *comm = ks_read_file(path, NULL);
    if (comm)
        comm[strcspn(comm, "\n")] = '\0';
    if (comm && *comm)
        snprintf(buf, size, "%llu %s", (unsigned long long)id, comm);
    else
        snprintf(buf, size, "%llu", (unsigned long long)id);
    free(comm);
}

static void prom_section(const struct ks_sched_hist *h, const struct ks_hist_section *s,
                         const struct ks_hist_section *sums, int nsums, const char *value)
{
    uint64_t sum = 0;
    for (int i = 0; i < nsums; i++)
        if (!memcmp(sums[i].key, s->key, sizeof(uint64_t)))
            sum = sums[i].vals[0];
    struct ks_prom_label l = {h->section, value};
    ks_prom_log2_hist(h->metric, h->help, &l, h->section ? 1 : 0, s->vals, KS_LOG2_SLOTS,
                      h->unit_ns, sum);
}

void ks_sched_hist_interval(struct ks_run *r, const struct ks_sched_hist *h)
{
    const struct ks_map_def *m = ks_map_def(r, "dist");
    struct ks_hist_section *s = NULL, *sums = NULL, none = {.key = {0}};
    int n = ks_hist_collect(ks_map_fd(r, "dist"), m->key_size, 1, &s), nsums = 0;
    struct ks_hist_ext ext = {0};
    if (h->extension)
        ks_hist_ext_take(ks_map_fd(r, "extension"), &ext);
    if (n > 1)
        qsort(s, (size_t)n, sizeof(*s), cmp_u64_section);
    if (ks_prom_enabled())
        nsums = ks_hist_collect(ks_map_fd(r, "dist_sum"), m->key_size, 0, &sums);
    if (!n && !h->section)
        prom_section(h, &none, sums, nsums, NULL); /* the metric exists from the start */
    ks_sched_interval_begin(h->timestamp);
    ks_hist_begin(h->unit, h->section);
    for (int i = 0; i < n; i++) {
        uint64_t id;
        memcpy(&id, s[i].key, sizeof(id));
        char value[64] = "", num[24];
        snprintf(num, sizeof(num), "%llu", (unsigned long long)id);
        if (h->section && h->comm)
            id_comm(id, value, sizeof(value));
        else if (h->section)
            snprintf(value, sizeof(value), "%s", num);
        prom_section(h, &s[i], sums, nsums, h->section ? num : NULL);
        ks_hist_emit(value, s[i].vals, KS_LOG2_SLOTS);
    }
    ks_hist_end();
    free(s);
    free(sums);
    ks_hist_ext_print(&ext, h->unit);
    ks_interval_end();
}
