/* ks_sched: facts about the scheduler's tracepoints on the running kernel.
 *
 * sched:sched_switch reports prev_state not as the task's state but in a report encoding,
 * and marks a task that was preempted while runnable with one extra bit ("R+" in the
 * trace): TASK_REPORT_MAX (0x100 on 4.14+ kernels), TASK_STATE_MAX before (1024, 2048,
 * 4096 as states were added). The bit is not assumed: it is read from the tracepoint's
 * print format on the running kernel, where it is the value prev_state is ANDed with
 * before printing "+". */
#ifndef KS_SCHED_H
#define KS_SCHED_H

#include <stdint.h>

/* The preempt bit, or 0 with *why when the format cannot be read or has no such test. */
uint64_t ks_sched_preempt_bit(const char **why);

/* The same from a print fmt line (tests). */
uint64_t ks_sched_preempt_bit_from(const char *format, const char **why);

#endif
