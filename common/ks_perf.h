/* ks_perf: the event stream from BPF programs to the tool. Two kinds, read the same way:
 * - the BPF ring buffer (5.8+): one buffer for all CPUs, events in order, no per-CPU
 *   wake-ups; the program counts what it could not send (bpfsrc/kscope.bpf.h, ks_submit);
 * - per-CPU perf buffers (BPF_PERF_OUTPUT), which every kernel from 4.4 has; the kernel
 *   counts lost events.
 * Lost events are reported as they happen and in total. */
#ifndef KS_PERF_H
#define KS_PERF_H

#include <stdint.h>

#include "ks_util.h"

typedef void (*ks_event_fn)(void *ctx, void *data, int size);

struct ks_perf;

/* One buffer of `pages` pages per online CPU, wired into the PERF_EVENT_ARRAY map_fd. */
struct ks_perf *ks_perf_open(int map_fd, unsigned max_entries, int pages, int wakeup_events,
                             ks_event_fn fn, void *ctx, struct ks_buf *err);
/* The BPF ring buffer map ring_fd; stat_fd is the per-CPU array whose value begins with
 * the u64 counters {sent, lost} (ks_submit's). */
struct ks_perf *ks_perf_open_ring(int ring_fd, int stat_fd, unsigned stat_size, ks_event_fn fn,
                                  void *ctx, struct ks_buf *err);
/* Wait up to timeout_ms for events and handle them; after a timeout also drain what sits
 * below the wake-up threshold. Returns -1 when interrupted by a signal. */
int ks_perf_poll(struct ks_perf *p, int timeout_ms);
uint64_t ks_perf_lost(const struct ks_perf *p);
void ks_perf_close(struct ks_perf *p);

#endif
