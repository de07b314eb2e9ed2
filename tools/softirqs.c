/* softirqs: summarize soft IRQ (interrupt) event time (BCC's softirqs). */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "ks_irq.h"
#include "ks_tool.h"

extern const char ks_bpfsrc_softirqs_bpf_c[];

static struct ks_irq_opts o = {.cpu = -1};

static const struct ks_opt opts[] = {
    /* BCC's -C here is --events (in hardirqs it is --count): each keeps its own. */
    KS_IRQ_OPTS(o, "events", "show the number of soft irq events"),
    KS_OPT_END,
};

/* irq:softirq_entry/exit carry the vector number. Without them (--probe=kprobe) each
 * vector's action function is probed on its own, as BCC did before 2017: the function
 * tells the vector. All in one group: the tracepoints see every vector, so the kprobes
 * are not needed when they are used. */
#define VEC(name_, ...)                                                                      \
    {.name = #name_ "_entry", .kprobes = {__VA_ARGS__}, .optional = true, .group = 1},        \
        {.name = #name_ "_exit", .kprobes = {__VA_ARGS__}, .ret = true, .optional = true,     \
         .group = 1}
static struct ks_probe probes[] = {
    {.name = "entry", .tp = "irq:softirq_entry", .optional = true, .group = 1},
    {.name = "exit", .tp = "irq:softirq_exit", .optional = true, .group = 1},
    VEC(hi, "tasklet_hi_action"),
    VEC(timer, "run_timer_softirq"),
    VEC(net_tx, "net_tx_action"),
    VEC(net_rx, "net_rx_action"),
    VEC(block, "blk_done_softirq"),
    VEC(irq_poll, "irq_poll_softirq"),
    VEC(tasklet, "tasklet_action"),
    VEC(sched, "sched_balance_softirq", "run_rebalance_domains"),
    VEC(hrtimer, "hrtimer_run_softirq"),
    VEC(rcu, "rcu_core_si", "rcu_process_callbacks"),
};
#define NPROBES ((int)(sizeof(probes) / sizeof(probes[0])))

/* The kernel's softirq_to_name[] (kernel/softirq.c), lower case as BCC prints them. */
static const char *const vec_names[] = {"hi",      "timer",   "net_tx", "net_rx",  "block",
                                        "irq_poll", "tasklet", "sched",  "hrtimer", "rcu"};

static void vec_name(const uint8_t *section, char *buf, size_t size)
{
    uint32_t vec;
    memcpy(&vec, section, sizeof(vec));
    if (vec < sizeof(vec_names) / sizeof(vec_names[0]))
        snprintf(buf, size, "%s", vec_names[vec]);
    else
        snprintf(buf, size, "vec %u", vec); /* a vector newer than this table */
}

static const struct ks_irq_tool irq = {
    .word = "softirq",
    .header = "SOFTIRQ",
    .width = 16,
    .key_size = 16, /* u32 vector, padding, u64 slot */
    .count_opt = "--events",
    .name = vec_name,
};

static void configure(struct ks_run *r)
{
    ks_irq_configure(r, &irq, &o);
    if (o.count) /* counting needs the entries only */
        for (int i = 0; i < NPROBES; i++)
            probes[i].off = strstr(probes[i].name, "exit") != NULL;
}

static void on_start(struct ks_run *r)
{
    (void)r;
    ks_irq_banner(&o, "soft irq events", "soft irq event time");
}

static void on_interval(struct ks_run *r)
{
    ks_irq_interval(r, &irq, &o);
}

static const struct ks_tool tool = {
    .spec =
        {
            .name = "softirqs",
            .json = true,
            .description = "Summarize soft irq event time as histograms.",
            .opts = opts,
            .common = KS_C_INTERVAL,
            .examples = "    softirqs            # sum soft irq event time\n"
                        "    softirqs -C         # show the number of soft irq events\n"
                        "    softirqs -d         # show soft irq event time as histograms\n"
                        "    softirqs 1 10       # print 1 second summaries, 10 times\n"
                        "    softirqs -NT 1      # 1s summaries, nanoseconds, and timestamps\n"
                        "    softirqs -c 1       # sum soft irq event time on CPU 1 only\n",
        },
    .bpf_source = ks_bpfsrc_softirqs_bpf_c,
    .bpf_name = "softirqs.bpf.c",
    .probes = probes,
    .nprobes = NPROBES,
    .configure = configure,
    .on_start = on_start,
    .on_interval = on_interval,
};

int main(int argc, char **argv)
{
    return ks_tool_main(&tool, argc, argv);
}
