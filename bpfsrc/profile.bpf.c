/* profile: sample what every CPU is running, at a fixed rate, and count the stacks.
 *
 * A perf event per CPU (the cpu-clock software event, which every kernel with perf
 * events has) interrupts the CPU FREQ times a second, or every PERIOD nanoseconds with
 * -c, and runs this program in the interrupted task's context. The program takes the
 * task's kernel stack and user stack with bpf_get_stackid(), which stores each distinct
 * stack once in a stack map and returns its id, and counts the sample under (process,
 * name, kernel stack id, user stack id). Only the counts and the distinct stacks go to
 * user space, once, at the end: the cost per sample is two stack walks and a hash update.
 *
 * Configured by the prelude: STACK_STORAGE_SIZE, HASH_STORAGE_SIZE, KERNEL_STACKS,
 * USER_STACKS (both unless -U or -K), INCLUDE_IDLE (-I), NPIDS and PID_0.. (-p),
 * NTIDS and TID_0.. (-L), KS_NOTE_PIDS (user stacks: name processes while they live),
 * and the probe KS_PE_cpu (perf_event programs: 4.9+). */

#include <uapi/linux/bpf_perf_event.h>

#define COMM_LEN 16 /* TASK_COMM_LEN */

struct key_t {
    u32 pid; /* the process (tgid), as BCC's profile counts */
    int user_stack_id;
    int kernel_stack_id;
    char name[COMM_LEN];
};
BPF_HASH(counts, struct key_t, u64, HASH_STORAGE_SIZE);
BPF_STACK_TRACE(stack_traces, STACK_STORAGE_SIZE);
/* Samples not counted because the counts table was full (--hash-storage-size). */
BPF_PERCPU_ARRAY(dropped, u64, 1);

#if defined(KS_PE_cpu)
int pe_cpu(struct bpf_perf_event_data *ctx)
{
    u64 id = bpf_get_current_pid_tgid();
    u32 tgid = id >> 32, tid = (u32)id;
#ifndef INCLUDE_IDLE
    if (tid == 0)
        return 0; /* the idle task: the CPU had nothing to run */
#endif
#if NUM_PID > 0
    if (!pid_wanted(tgid))
        return 0;
#endif
#if NUM_TID > 0
    if (!tid_wanted(tid))
        return 0;
#endif
    struct key_t key = {};
    key.pid = tgid;
    bpf_get_current_comm(&key.name, sizeof(key.name));
#ifdef KERNEL_STACKS
    key.kernel_stack_id = stack_traces.get_stackid(&ctx->regs, 0);
#else
    key.kernel_stack_id = -1;
#endif
#ifdef USER_STACKS
    key.user_stack_id = stack_traces.get_stackid(&ctx->regs, BPF_F_USER_STACK);
#else
    key.user_stack_id = -1;
#endif

    u64 *count = counts.lookup(&key);
    if (!count) {
        /* A new stack: insert a zero only if still absent (another CPU may have inserted
         * it meanwhile, and overwriting its count would lose a sample), then count below.
         * Written without a second increment so that the program has no backward jump
         * (kernels before 5.3 refuse loops). */
        u64 zero = 0;
        counts.insert(&key, &zero);
        count = counts.lookup(&key);
    }
    /* No room for a new stack: count the sample as dropped instead (one add either way,
     * which keeps the code straight: no jump back to a shared exit). */
    int zero_key = 0;
    u64 *slot = count ? count : dropped.lookup(&zero_key);
    if (slot)
        lock_xadd(slot, 1); /* other CPUs may count the same stack at the same time */
#ifdef KS_NOTE_PIDS
    ks_note_pid(ctx, tgid);
#endif
    return 0;
}
#endif
