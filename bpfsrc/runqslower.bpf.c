/* runqslower: each run-queue latency above a threshold, as an event.
 *
 * The probes and the bookkeeping are kscope.bpf.h's (KS_RUNQ, with RUNQ_COMMS for the
 * names); this program only compares each latency with MIN_US and sends the ones above
 * it (BCC prints latencies strictly greater than min_us; 0 prints all).
 *
 * Configured by the prelude: MIN_US, NUM_PID and PID_0 (-p), NUM_TID and TID_0 (-t),
 * RUNQ_BY_PROCESS (-p on tracepoints: the event is sent when the thread leaves the CPU,
 * when its process id is exact), REPORT_STATE_MASK, and the probe choices. */

static __always_inline void runq_done(void *ctx, struct runq_ev *e)
{
    u64 delta_us = e->delta_ns / 1000;
#if MIN_US > 0
    if (delta_us <= MIN_US)
        return;
#endif
    (void)delta_us;
    ks_submit(ctx, e, sizeof(*e));
}
