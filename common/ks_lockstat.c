#define _GNU_SOURCE
#include "ks_lockstat.h"

#include <bcc/libbpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_maps.h"
#include "ks_record.h"
#include "ks_stack.h"
#include "ks_util.h"

static struct ks_stack_losses g_losses;

static bool parse_sort_field(const char *f, size_t n, enum ks_lock_sort *out)
{
    static const char *const names[] = {"max", "total", "count"};
    for (int i = 0; i < 3; i++)
        if (strlen(names[i]) == n && !strncmp(f, names[i], n)) {
            *out = (enum ks_lock_sort)i;
            return true;
        }
    return false;
}

/* -S acq_count,hld_total: each field sorts its own table (BCC used only the first field,
 * for both tables). */
static void parse_sort(struct ks_lockstat_opts *o)
{
    bool acq = false, hld = false;
    const char *s = o->sort;
    while (s && *s) {
        size_t len = strcspn(s, ",");
        enum ks_lock_sort v;
        bool is_acq = !strncmp(s, "acq_", 4), is_hld = !strncmp(s, "hld_", 4);
        if (len < 5 || !(is_acq || is_hld) || !parse_sort_field(s + 4, len - 4, &v))
            ks_usage_error("-S: wrong sort field '%.*s' (acq_max, acq_total, acq_count, hld_max, "
                           "hld_total or hld_count, comma separated)",
                           (int)len, s);
        if ((is_acq && acq) || (is_hld && hld))
            ks_usage_error("-S '%s': one field per table (acq_* for waits, hld_* for holds)",
                           ks_q(o->sort));
        if (is_acq) {
            o->wait_sort = v;
            acq = true;
        } else {
            o->hold_sort = v;
            hld = true;
        }
        s += len + (s[len] == ',');
    }
}

void ks_lockstat_configure(struct ks_run *r, struct ks_lockstat_opts *o)
{
    if (o->interval && r->opt.duration)
        ks_usage_error("argument -i/--interval: not allowed with argument -d/--duration");
    if (o->interval)
        r->opt.interval = o->interval;
    ks_require_pid(r); /* a process that is not there would show empty tables forever */
    parse_sort(o);
    ks_define(r, "KS_LOCK_STATS", 1, "the lock statistics tables (kscope.bpf.h)");
    ks_define(r, "STACK_STORAGE_SIZE", o->stack_size, "--stack-storage-size");
    /* BCC: the TID trumps the PID. */
    if (o->tid > 0)
        ks_define(r, "TID_FILTER", o->tid, "-t");
    else if (r->opt.pid >= 0 && !o->pid_at_attach)
        ks_define(r, "PID_FILTER", r->opt.pid, "-p");
}

/* One caller stack's numbers. */
struct row {
    int stackid;
    struct ks_lock_stat st;
};

static enum ks_lock_sort g_sort;
static uint64_t sort_value(const struct row *x)
{
    return g_sort == KS_LOCK_SORT_MAX     ? x->st.max
           : g_sort == KS_LOCK_SORT_TOTAL ? x->st.total
                                          : x->st.count;
}
static int cmp_rows(const void *a, const void *b)
{
    const struct row *x = a, *y = b;
    uint64_t vx = sort_value(x), vy = sort_value(y);
    if (vx != vy)
        return vx < vy ? 1 : -1; /* descending, as BCC */
    return x->stackid < y->stackid ? -1 : x->stackid > y->stackid;
}

/* Every entry of a stats map, deleted as read (the next interval starts empty). */
static size_t read_stats(int fd, struct row **out)
{
    void *keys;
    size_t n = ks_map_keys(fd, sizeof(int), &keys), m = 0;
    struct row *rows = ks_xcalloc(n ? n : 1, sizeof(*rows));
    for (size_t i = 0; i < n; i++) {
        int id;
        memcpy(&id, (char *)keys + i * sizeof(int), sizeof(id));
        if (bpf_lookup_elem(fd, &id, &rows[m].st) != 0)
            continue;
        bpf_delete_elem(fd, &id);
        rows[m].stackid = id;
        if (rows[m].st.count)
            m++;
    }
    free(keys);
    *out = rows;
    return m;
}

/* The table's row, as BCC prints it: "%40s %10d %6d %10d %10d" (nanoseconds), the header
 * naming spin or hold times. */
enum { F_TABLE, F_CALLER, F_AVG, F_COUNT, F_MAX, F_TOTAL, F_STACK, NF };
#define LOCK_FIELDS(avg, max, total)                                                           \
    {                                                                                          \
        [F_TABLE] = {.json = "table", .type = KS_T_STR},                                       \
        [F_CALLER] = {.json = "caller", .type = KS_T_STR, .header = "Caller", .hfmt = "%40s ",  \
                      .fmt = "%40s "},                                                         \
        [F_AVG] = {.json = "avg_ns", .type = KS_T_UINT, .header = avg, .hfmt = "%10s ",         \
                   .fmt = "%10d "},                                                            \
        [F_COUNT] = {.json = "count", .type = KS_T_UINT, .header = "Count", .hfmt = "%6s ",     \
                     .fmt = "%6d "},                                                           \
        [F_MAX] = {.json = "max_ns", .type = KS_T_UINT, .header = max, .hfmt = "%10s ",         \
                   .fmt = "%10d "},                                                            \
        [F_TOTAL] = {.json = "total_ns", .type = KS_T_UINT, .header = total, .hfmt = "%10s",    \
                     .fmt = "%10d"},                                                           \
        [F_STACK] = {.json = "stack", .type = KS_T_STRV},                                      \
    }
static const struct ks_field wait_fields[NF] = LOCK_FIELDS("Avg Spin", "Max spin", "Total spin");
static const struct ks_field hold_fields[NF] = LOCK_FIELDS("Avg Hold", "Max hold", "Total hold");
static struct ks_record wait_rec = {.fields = wait_fields, .nfields = NF};
static struct ks_record hold_rec = {.fields = hold_fields, .nfields = NF};

static void print_table(struct ks_record *rec, const char *name, int fd, int stacks_fd,
                        enum ks_lock_sort sort, const struct ks_lockstat_opts *o,
                        ks_lock_frames_fn frames)
{
    struct row *rows;
    size_t n = read_stats(fd, &rows);
    g_sort = sort;
    qsort(rows, n, sizeof(*rows), cmp_rows);
    long shown = 0;
    char **fr = ks_xcalloc((size_t)o->stacks, sizeof(char *));
    for (size_t i = 0; i < n && shown < o->locks; i++) {
        ks_stack_loss_add(&g_losses, rows[i].stackid);
        int nf = frames(stacks_fd, rows[i].stackid, fr, (int)o->stacks);
        const char *caller = nf > 0 ? fr[0] : "[unknown]";
        /* -c: callers containing the string (BCC showed only those starting with it). */
        if (!o->caller || strstr(caller, o->caller)) {
            shown++;
            const struct ks_lock_stat *s = &rows[i].st;
            struct ks_val v[NF] = {
                [F_TABLE] = KS_S(name),
                [F_CALLER] = KS_S(caller),
                [F_AVG] = KS_U(s->total / s->count),
                [F_COUNT] = KS_U(s->count),
                [F_MAX] = KS_U(s->max),
                [F_TOTAL] = KS_U(s->total),
                [F_STACK] = KS_V((const char *const *)fr, nf > 0 ? nf : 0),
            };
            ks_record_emit(rec, v);
            for (int k = 1; k < nf; k++)
                ks_textf("%40s\n", fr[k]);
        }
        for (int k = 0; k < nf; k++)
            free(fr[k]);
    }
    free(fr);
    free(rows);
}

void ks_lockstat_report(struct ks_run *r, const struct ks_lockstat_opts *o, bool hold,
                        ks_lock_frames_fn frames)
{
    int stacks_fd = ks_map_fd(r, "stack_traces");
    ks_interval_begin();
    ks_textf("\n");
    ks_table_begin(&wait_rec, "caller");
    print_table(&wait_rec, "wait", ks_map_fd(r, "wait_stats"), stacks_fd, o->wait_sort, o,
                frames);
    if (hold) {
        ks_textf("\n");
        ks_record_header(&hold_rec);
        print_table(&hold_rec, "hold", ks_map_fd(r, "hold_stats"), stacks_fd, o->hold_sort, o,
                    frames);
    }
    ks_table_end();
    ks_interval_end();
    ks_stack_clear(stacks_fd);
}

void ks_lockstat_banner(void)
{
    ks_textf("Tracing lock events... Hit Ctrl-C to end.\n");
}

void ks_lockstat_on_exit(struct ks_run *r)
{
    (void)r;
    ks_stack_loss_report(&g_losses);
}
