/* offwaketime: summarize blocked time by off-CPU stack and waker stack (BCC's
 * offwaketime). */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_sched.h"
#include "ks_stack.h"
#include "ks_stacktool.h"
#include "ks_tool.h"

extern const char ks_bpfsrc_offwaketime_bpf_c[];

static struct ks_offcpu_opts o = {.stack_size = 1024, .min = 1, .max = -1, .state = -1};

static const struct ks_opt opts[] = {
    KS_OFFCPU_OPTS(o, "the number of unique stack traces that can be stored and displayed "
                      "(default 1024)"),
    KS_OPT_END,
};

/* One group: the waker is kept under ids the switch-in reads, both on tracepoints or both
 * on kprobes (BCC's finish_task_switch and try_to_wake_up). */
static struct ks_probe probes[] = {
    {.name = "switch",
     .tp = "sched:sched_switch",
     .kprobes = {KS_SCHED_SWITCH_KPROBES},
     .group = 1},
    {.name = "waking", .tp = "sched:sched_waking", .kprobes = {"try_to_wake_up"}, .group = 1},
};

/* The BPF program's key (bpfsrc/offwaketime.bpf.c). */
struct key_t {
    char waker[16];
    char target[16];
    int32_t w_k_stack_id, w_u_stack_id, t_k_stack_id, t_u_stack_id;
    uint32_t t_pid, t_tgid, w_pid, w_tgid;
};

static void configure(struct ks_run *r)
{
    ks_offcpu_configure(r, &o);
}

static void on_start(struct ks_run *r)
{
    ks_offcpu_explain(r, &o);
    if (o.folded) {
        ks_stacktool_preload(!o.user_only);
        return;
    }
    ks_textf("Tracing blocked time (us) by %s off-CPU and waker stack",
           ks_offcpu_stack_context(&o));
    ks_stacktool_banner_end(r);
    ks_stacktool_preload(!o.user_only);
}

/* The four stacks of one entry, symbolized; the waker's root first, as BCC prints it. */
struct stacks {
    struct ks_frames wk, wu, tk, tu;
};

static void symbolize(int sfd, const struct key_t *k, struct stacks *s,
                      struct ks_stack_losses *l)
{
    memset(s, 0, sizeof(*s));
    if (!o.user_only) {
        ks_stack_loss_add(l, k->w_k_stack_id);
        ks_stack_loss_add(l, k->t_k_stack_id);
        ks_frames_kernel(&s->wk, sfd, k->w_k_stack_id, 0);
        ks_frames_kernel(&s->tk, sfd, k->t_k_stack_id, 0);
    }
    if (!o.kernel_only) {
        ks_stack_loss_add(l, k->w_u_stack_id);
        ks_stack_loss_add(l, k->t_u_stack_id);
        ks_frames_user(&s->wu, sfd, k->w_u_stack_id, k->w_tgid, 0);
        ks_frames_user(&s->tu, sfd, k->t_u_stack_id, k->t_tgid, 0);
    }
}

static void print_block(const struct key_t *k, const struct stacks *s, uint64_t value)
{
    bool both = !o.user_only && !o.kernel_only;
    printf("    %-16s %.16s %u\n", "waker:", k->waker, k->w_pid);
    if (!o.kernel_only)
        ks_frames_print(stdout, &s->wu, "[Missed User Stack]");
    if (!o.user_only) {
        if (o.delimited && both && s->wu.n && s->wk.n)
            printf("    -\n");
        ks_frames_print(stdout, &s->wk, "[Missed Kernel Stack]");
    }
    printf("    %-16s %s\n", "--", "--");
    if (!o.user_only)
        ks_frames_print(stdout, &s->tk, "[Missed Kernel Stack]");
    if (!o.kernel_only) {
        if (o.delimited && both && s->tu.n && s->tk.n)
            printf("    -\n");
        ks_frames_print(stdout, &s->tu, "[Missed User Stack]");
    }
    printf("    %-16s %.16s %u\n", "target:", k->target, k->t_pid);
    printf("        %llu\n\n", (unsigned long long)value);
}

/* target;target user;-;target kernel;--;waker kernel;-;waker user;waker N: the waker's
 * frames leaf first, so that a flame graph shows them growing down from the "--". */
static void print_folded(const struct key_t *k, struct stacks *s, uint64_t value)
{
    bool both = !o.user_only && !o.kernel_only;
    struct ks_buf line = {0};
    ks_buf_printf(&line, "%.16s", k->target);
    if (!o.kernel_only)
        ks_frames_fold(&line, &s->tu, "[Missed User Stack]");
    if (!o.user_only) {
        if (o.delimited && both && s->tu.n && s->tk.n)
            ks_buf_add(&line, ";-");
        ks_frames_fold(&line, &s->tk, "[Missed Kernel Stack]");
    }
    ks_buf_add(&line, ";--");
    /* Stored root first (reversed above): folding prints them leaf first. */
    if (!o.user_only)
        ks_frames_fold(&line, &s->wk, "[Missed Kernel Stack]");
    if (!o.kernel_only) {
        if (o.delimited && both && s->wu.n && s->wk.n)
            ks_buf_add(&line, ";-");
        ks_frames_fold(&line, &s->wu, "[Missed User Stack]");
    }
    /* A target whose waker was not seen (it slept since before tracing began): BCC
     * prints an empty name; an empty frame would break the line's format. */
    ks_buf_printf(&line, ";%.16s", k->waker[0] ? k->waker : "[unknown]");
    printf("%s %llu\n", line.s, (unsigned long long)value);
    ks_buf_free(&line);
}

static void print_entry(const void *key, uint64_t value, int sfd, struct ks_stack_losses *l)
{
    struct key_t k;
    memcpy(&k, key, sizeof(k));
    struct stacks s;
    symbolize(sfd, &k, &s, l);
    if (ks_out_json()) {
        char target[17], waker[17];
        snprintf(target, sizeof(target), "%.16s", k.target);
        snprintf(waker, sizeof(waker), "%.16s", k.waker);
        struct ks_stack_waker w = {.comm = waker, .pid = k.w_pid, .kernel_on = !o.user_only,
                                   .user_on = !o.kernel_only, .kernel = &s.wk, .user = &s.wu};
        struct ks_stack_sample j = {.comm = target, .pid = k.t_pid, .tgid = k.t_tgid,
                                    .value = value, .value_json = "total_us",
                                    .kernel_on = !o.user_only, .user_on = !o.kernel_only,
                                    .kernel = s.tk, .user = s.tu, .waker = &w};
        ks_stack_print_json(ks_out_writer(), &j);
    } else {
        /* Text prints the waker's stacks root first. */
        ks_frames_reverse(&s.wk);
        ks_frames_reverse(&s.wu);
        if (o.folded)
            print_folded(&k, &s, value);
        else
            print_block(&k, &s, value);
    }
    ks_frames_free(&s.wk);
    ks_frames_free(&s.wu);
    ks_frames_free(&s.tk);
    ks_frames_free(&s.tu);
}

static void on_interval(struct ks_run *r)
{
    struct ks_stacktool_out out = {sizeof(struct key_t), o.folded, "blocked spans", 10240,
                                   NULL};
    ks_stacktool_each(r, &out, print_entry);
}

static const struct ks_tool tool = {
    .spec =
        {
            .name = "offwaketime",
            .description = "Summarize blocked time by kernel stack trace + waker stack",
            .opts = opts,
            .common = KS_C_POS_DURATION,
            .json = true,
            .examples =
                "    offwaketime             # trace off-CPU + waker stack time until Ctrl-C\n"
                "    offwaketime 5           # trace for 5 seconds only\n"
                "    offwaketime -f 5        # 5 seconds, and output in folded format\n"
                "    offwaketime -m 1000     # trace only events that last more than 1000 usec\n"
                "    offwaketime -M 9000     # trace only events that last less than 9000 usec\n"
                "    offwaketime -p 185      # only trace threads for PID 185\n"
                "    offwaketime -t 188      # only trace thread 188\n"
                "    offwaketime -u          # only trace user threads (no kernel)\n"
                "    offwaketime -k          # only trace kernel threads (no user)\n"
                "    offwaketime -U          # only show user space stacks (no kernel)\n"
                "    offwaketime -K          # only show kernel space stacks (no user)\n",
        },
    .bpf_source = ks_bpfsrc_offwaketime_bpf_c,
    .bpf_name = "offwaketime.bpf.c",
    .probes = probes,
    .nprobes = sizeof(probes) / sizeof(probes[0]),
    .configure = configure,
    .on_event = ks_stacktool_on_note,
    .on_start = on_start,
    .on_interval = on_interval,
    .wakeup_events = 1,
};

int main(int argc, char **argv)
{
    return ks_tool_main(&tool, argc, argv);
}
