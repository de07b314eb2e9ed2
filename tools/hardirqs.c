/* hardirqs: summarize hard IRQ (interrupt) event time (BCC's hardirqs). */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "ks_irq.h"
#include "ks_tool.h"

extern const char ks_bpfsrc_hardirqs_bpf_c[];

static struct ks_irq_opts o = {.cpu = -1};

static const struct ks_opt opts[] = {
    KS_IRQ_OPTS(o, "count", "show event counts instead of timing"),
    KS_OPT_END,
};

/* irq_handler_entry/exit run around each handler (each action of a shared line). The
 * kprobe fallback runs around all the handlers of one interrupt, named by the first one
 * (desc->action->name, a struct read): handle_irq_event(), which the flow handlers call;
 * BCC's handle_irq_event_percpu() (before 2021) is compiled into it on 6.1 (its own copy
 * is then never called). One group: the start slot is filled and read by one mechanism. */
static struct ks_probe probes[] = {
    {.name = "entry", .tp = "irq:irq_handler_entry",
     .kprobes = {"handle_irq_event", "handle_irq_event_percpu"}, .group = 1},
    {.name = "exit", .tp = "irq:irq_handler_exit",
     .kprobes = {"handle_irq_event", "handle_irq_event_percpu"}, .ret = true, .group = 1},
};

#define NAME_LEN 32 /* the BPF program's key: the handler's name, then the slot */

static void irq_name(const uint8_t *section, char *buf, size_t size)
{
    snprintf(buf, size, "%.*s", NAME_LEN, (const char *)section);
}

static const struct ks_irq_tool irq = {
    .word = "hardirq",
    .header = "HARDIRQ",
    .width = 26,
    .key_size = NAME_LEN + 8,
    .count_opt = "--count",
    .name = irq_name,
};

static void configure(struct ks_run *r)
{
    ks_irq_configure(r, &irq, &o);
    ks_define(r, "NAME_LEN", NAME_LEN, "bytes of a handler's name kept");
}

static void on_start(struct ks_run *r)
{
    (void)r;
    ks_irq_banner(&o, "hard irq events", "hard irq event time");
}

static void on_interval(struct ks_run *r)
{
    ks_irq_interval(r, &irq, &o);
}

static const struct ks_tool tool = {
    .spec =
        {
            .name = "hardirqs",
            .json = true,
            .description = "Summarize hard irq event time as histograms",
            .opts = opts,
            .common = KS_C_INTERVAL,
            .examples = "    hardirqs            # sum hard irq event time\n"
                        "    hardirqs -d         # show hard irq event time as histograms\n"
                        "    hardirqs 1 10       # print 1 second summaries, 10 times\n"
                        "    hardirqs -NT 1      # 1s summaries, nanoseconds, and timestamps\n"
                        "    hardirqs -c 1       # sum hard irq event time on CPU 1 only\n"
                        "    hardirqs -C 5 1     # count handled interrupts for 5 seconds\n",
        },
    .bpf_source = ks_bpfsrc_hardirqs_bpf_c,
    .bpf_name = "hardirqs.bpf.c",
    .probes = probes,
    .nprobes = sizeof(probes) / sizeof(probes[0]),
    .configure = configure,
    .on_start = on_start,
    .on_interval = on_interval,
};

int main(int argc, char **argv)
{
    return ks_tool_main(&tool, argc, argv);
}
