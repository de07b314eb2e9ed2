/* oomkill: the kernel's out-of-memory killer at work: who triggered it, whom it killed.
 *
 * The OOM killer runs in the context of the task whose allocation failed (the trigger):
 * its pid and comm are the current task's. The victim is another task.
 *
 * Tracepoint oom:mark_victim (4.19+) fires as the victim is marked, still in the
 * trigger's context. It carries the victim's pid (its thread id: the task chosen), and
 * since 6.8 also its comm, uid and memory sizes (MARK_VICTIM_COMM, MARK_VICTIM_RSS say
 * what this kernel's format has). It never carries the OOM control's total pages.
 *
 * Kprobe fallback oom_kill_process(oc, message): the victim (oc->chosen), its comm and
 * oc->totalpages are struct reads, as BCC's oomkill does.
 *
 * Configured by the prelude: KS_TP_victim or KS_KP_victim, MARK_VICTIM_COMM,
 * MARK_VICTIM_RSS. */

#ifdef KS_TP_victim
TRACEPOINT_PROBE(oom, mark_victim)
{
    struct oomkill_event ev = {};
    ev.fpid = bpf_get_current_pid_tgid() >> 32;
    bpf_get_current_comm(&ev.fcomm, sizeof(ev.fcomm));
    ev.tpid = args->pid;
#ifdef MARK_VICTIM_COMM
    /* A __data_loc field: the low 16 bits are the string's offset in the record. */
    unsigned short off = args->data_loc_comm & 0xFFFF;
    ks_probe_read_kernel(&ev.tcomm, sizeof(ev.tcomm), (char *)args + off);
    ev.have |= OOMKILL_HAVE_TCOMM;
#endif
#ifdef MARK_VICTIM_RSS
    ev.total_vm = args->total_vm;
    ev.anon_rss = args->anon_rss;
    ev.file_rss = args->file_rss;
    ev.shmem_rss = args->shmem_rss;
    ev.have |= OOMKILL_HAVE_RSS;
#endif
    ks_submit(args, &ev, sizeof(ev));
    return 0;
}
#endif

#ifdef KS_KP_victim
#include <linux/oom.h>
#include <linux/sched.h>
int kp_victim(struct pt_regs *ctx)
{
    struct oomkill_event ev = {};
    struct task_struct *p = NULL;
    u64 pages = 0;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(4, 8, 0)
    /* void oom_kill_process(struct oom_control *oc, const char *message) */
    struct oom_control *oc = (struct oom_control *)PT_REGS_PARM1(ctx);
    ks_probe_read_kernel(&p, sizeof(p), &oc->chosen);
    ks_probe_read_kernel(&pages, sizeof(pages), &oc->totalpages);
#else
    /* (oc, struct task_struct *p, unsigned int points, unsigned long totalpages, ...) */
    p = (struct task_struct *)PT_REGS_PARM2(ctx);
    pages = PT_REGS_PARM4(ctx);
#endif
    ev.fpid = bpf_get_current_pid_tgid() >> 32;
    bpf_get_current_comm(&ev.fcomm, sizeof(ev.fcomm));
    if (p) {
        ks_probe_read_kernel(&ev.tpid, sizeof(ev.tpid), &p->tgid);
        ks_probe_read_kernel(&ev.tcomm, sizeof(ev.tcomm), &p->comm);
    }
    ev.pages = pages;
    ev.have = OOMKILL_HAVE_TCOMM | OOMKILL_HAVE_PAGES;
    ks_submit(ctx, &ev, sizeof(ev));
    return 0;
}
#endif
