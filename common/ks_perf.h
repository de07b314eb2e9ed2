/* ks_perf: the event stream from BPF programs to the tool. Three kinds, read the same way:
 * - in-place rings (x86_64, 5.12+; bpfsrc/kscope.bpf.h, KS_EVENT): a ring per CPU that the
 *   programs write events into directly, numbered; read here in number order, so events
 *   arrive in the order they happened; the BPF ring buffer only wakes the reader;
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
/* In-place rings: room after each ring for the largest event and its header (an event may
 * be up to this less 16 bytes; KS_EVENT checks that when the program is compiled). */
#define KS_INPLACE_SLACK 4096

/* The in-place rings: the mmapable array rings_fd of n entries of value_size bytes, each a
 * struct ks_ring (bpfsrc/kscope.bpf.h) with `bytes` bytes of ring; bell_fd is the BPF ring
 * buffer of wake-up calls. */
struct ks_perf *ks_perf_open_inplace(int rings_fd, unsigned n, unsigned value_size, uint64_t bytes,
                                     int bell_fd, ks_event_fn fn, void *ctx, struct ks_buf *err);
/* The same over memory laid out as that map (for tests): no wake-up calls, no mapping. */
struct ks_perf *ks_perf_open_inplace_mem(void *mem, unsigned n, unsigned value_size, uint64_t bytes,
                                         ks_event_fn fn, void *ctx);
/* Wait up to timeout_ms for events and handle them; after a timeout also drain what sits
 * below the wake-up threshold. Returns -1 when interrupted by a signal. */
int ks_perf_poll(struct ks_perf *p, int timeout_ms);
/* The last pass, once the probes are detached: what is left, in order; an event whose
 * number never came (a gap) is waited for briefly, then passed over. */
void ks_perf_finish(struct ks_perf *p);
uint64_t ks_perf_lost(const struct ks_perf *p);
void ks_perf_close(struct ks_perf *p);

#endif
