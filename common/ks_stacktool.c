#define _GNU_SOURCE
#include "ks_stacktool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_ksyms.h"
#include "ks_sched.h"
#include "ks_usyms.h"

bool ks_parse_id_list(const char *arg, void *dest)
{
    struct ks_id_list *l = dest;
    char *copy = ks_xstrdup(arg), *save = NULL;
    l->n = 0;
    l->text = arg;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (l->n == KS_ID_LIST_MAX)
            ks_usage_error("at most %d ids in a list: '%s'", KS_ID_LIST_MAX, arg);
        if (!ks_parse_long(t, 0, 0x3fffffff, &l->v[l->n]))
            ks_usage_error("invalid id '%s' in '%s' (positive numbers, separated by commas)",
                           t, arg);
        l->n++;
    }
    free(copy);
    return l->n > 0;
}

static void define_list(struct ks_run *r, const char *what, const struct ks_id_list *l)
{
    char name[32];
    snprintf(name, sizeof(name), "NUM_%s", what);
    ks_define(r, name, l->n, what[0] == 'P' ? "processes to trace" : "threads to trace");
    for (int i = 0; i < l->n; i++) {
        snprintf(name, sizeof(name), "%s_%d", what, i);
        ks_define(r, name, l->v[i], NULL);
    }
}

void ks_stacktool_define_lists(struct ks_run *r, const struct ks_id_list *pids,
                               const struct ks_id_list *tids)
{
    define_list(r, "PID", pids);
    define_list(r, "TID", tids);
    /* BCC's tools say nothing about an id that does not exist; say so, and trace anyway
     * (the process may start later). */
    for (int i = 0; i < pids->n && !r->opt.ebpf && !r->opt.check; i++) {
        char p[64];
        snprintf(p, sizeof(p), "/proc/%ld", pids->v[i]);
        if (!ks_path_exists(p))
            fprintf(stderr, "%s: note: no process %ld is running now; tracing it if it "
                            "appears\n",
                    ks_prog, pids->v[i]);
    }
}

void ks_stacktool_check_format(const struct ks_run *r, bool folded)
{
    if (folded && r->opt.json)
        ks_usage_error("-f/--folded and --json are two output formats: choose one");
}

void ks_stacktool_thread_context(char *buf, size_t size, const struct ks_id_list *pids,
                                 const char *pid_word, const struct ks_id_list *tids,
                                 const char *tid_word)
{
    if (pids && pids->n)
        snprintf(buf, size, "%s %s", pid_word, pids->text);
    else if (tids && tids->n)
        snprintf(buf, size, "%s %s", tid_word, tids->text);
    else
        snprintf(buf, size, "all threads");
}

void ks_stacktool_on_note(void *data, int size)
{
    uint32_t pid;
    if (size < (int)sizeof(pid))
        return;
    memcpy(&pid, data, sizeof(pid));
    ks_usyms_note(pid);
}

void ks_offcpu_configure(struct ks_run *r, const struct ks_offcpu_opts *o)
{
    int threads = (o->pids.n > 0) + (o->tids.n > 0) + o->user_threads + o->kernel_threads;
    if (threads > 1)
        ks_usage_error("-p, -t, -u and -k are mutually exclusive");
    if (o->user_only && o->kernel_only)
        ks_usage_error("argument -K/--kernel-stacks-only: not allowed with argument "
                       "-U/--user-stacks-only");
    if (o->max >= 0 && o->min > o->max)
        ks_usage_error("-m %ld is above -M %ld: no off-CPU time could be counted", o->min,
                       o->max);
    ks_stacktool_check_format(r, o->folded);
    ks_stacktool_define_lists(r, &o->pids, &o->tids);
    ks_define(r, "STACK_STORAGE_SIZE", o->stack_size, "--stack-storage-size");
    ks_define(r, "MIN_BLOCK_US", o->min, "-m");
    if (o->max >= 0)
        ks_define(r, "MAX_BLOCK_US", o->max, "-M");
    if (!o->user_only)
        ks_define(r, "KERNEL_STACKS", 1, "not -U");
    if (!o->kernel_only) {
        ks_define(r, "USER_STACKS", 1, "not -K");
        ks_define(r, "KS_NOTE_PIDS", 1, "user stacks: the tool reads each process's maps");
    }
    if (o->user_threads)
        ks_define(r, "USER_THREADS_ONLY", 1, "-u");
    if (o->kernel_threads)
        ks_define(r, "KERNEL_THREADS_ONLY", 1, "-k");
    if (o->state >= 0) {
        ks_define(r, "STATE_FILTER", 1, "--state");
        ks_define(r, "STATE_VALUE", o->state, "--state");
        const char *why = NULL;
        if (!ks_sched_define_state_mask(r, &why) && r->opt.probe_mode != KS_MODE_KPROBE)
            ks_usage_error("--state: cannot tell preempted threads apart on sched_switch here "
                           "(%s); use --probe=kprobe",
                           why);
    }
}

void ks_offcpu_explain(struct ks_run *r, const struct ks_offcpu_opts *o)
{
    const struct ks_probe_choice *c = ks_choice(r, "switch");
    if (!c || c->kind != KS_KIND_TRACEPOINT)
        return;
    if (o->pids.n)
        ks_info("-p: the process of the thread leaving the CPU is the current task at "
                "sched_switch (no task struct read)");
    if (o->user_threads || o->kernel_threads)
        ks_info("-u/-k: kernel threads are the ones without user memory (a user stack lookup "
                "answers -EFAULT; no task struct read)");
    if (o->state >= 0)
        ks_info("--state: matched against sched_switch's prev_state, a report encoding (idle "
                "kernel threads report I, 0x80, not D)");
}

void ks_offcpu_thread_context(char *buf, size_t size, const struct ks_offcpu_opts *o)
{
    ks_stacktool_thread_context(buf, size, &o->pids, "PID", &o->tids, "TID");
    if (!o->pids.n && !o->tids.n)
        snprintf(buf, size, "%s",
                 o->user_threads     ? "user threads"
                 : o->kernel_threads ? "kernel threads"
                                     : "all threads");
}

const char *ks_offcpu_stack_context(const struct ks_offcpu_opts *o)
{
    return o->user_only ? "user" : o->kernel_only ? "kernel" : "user + kernel";
}

void ks_stacktool_banner_end(const struct ks_run *r)
{
    if (r->opt.duration)
        ks_textf(" for %ld secs.\n", r->opt.duration);
    else
        ks_textf("... Hit Ctrl-C to end.\n");
}

static void maps(struct ks_run *r, const struct ks_stacktool_out *o, int *cfd, int *sfd)
{
    *cfd = ks_map_fd(r, "counts");
    *sfd = ks_map_fd(r, "stack_traces");
    const struct ks_map_def *cd = ks_map_def(r, "counts");
    if (*cfd < 0 || *sfd < 0 || !cd || cd->key_size != o->key_size) {
        ks_err("internal: the counts or stack_traces map is missing or not as expected");
        exit(1);
    }
    if (!o->folded)
        ks_textf("\n");
}

static void warn_dropped(struct ks_run *r, const struct ks_stacktool_out *o)
{
    ks_stack_dropped_warn(ks_map_fd(r, "dropped"), o->dropped, o->table_size, o->option);
}

void ks_stacktool_report(struct ks_run *r, const struct ks_stacktool_out *o,
                         const struct ks_stack_key *layout, const struct ks_stack_report *rep)
{
    int cfd, sfd;
    maps(r, o, &cfd, &sfd);
    size_t n = ks_stack_report(cfd, sfd, layout, rep, stdout);
    warn_dropped(r, o);
    if (ks_verbose) {
        unsigned procs, files;
        ks_usyms_stats(&procs, &files);
        ks_info("%zu distinct stacks; user symbols from %u processes, %u files", n, procs,
                files);
    }
}

void ks_stacktool_each(struct ks_run *r, const struct ks_stacktool_out *o,
                       void (*fn)(const void *key, uint64_t value, int stacks_fd,
                                  struct ks_stack_losses *losses))
{
    int cfd, sfd;
    maps(r, o, &cfd, &sfd);
    void *keys;
    struct ks_count_row *rows;
    size_t n = ks_counts_sorted(cfd, o->key_size, &rows, &keys);
    struct ks_stack_losses losses = {0};
    for (size_t i = 0; i < n; i++)
        fn(rows[i].key, rows[i].value, sfd, &losses);
    fflush(stdout);
    free(rows);
    free(keys);
    ks_stack_loss_report(&losses);
    warn_dropped(r, o);
}

void ks_stacktool_preload(bool kernel_stacks)
{
    if (!kernel_stacks)
        return;
    fflush(stdout); /* the banner first: it says the tool is ready */
    ks_ksym_find(0);
}
