/* ks_attach: attach loaded programs to tracepoints, kprobes, perf events and uprobes, and detach everything on
 * every way out (normal exit, error, signal), so nothing stays attached. */
#ifndef KS_ATTACH_H
#define KS_ATTACH_H

#include "ks_probe.h"
#include "ks_util.h"

/* Attach prog_fd per the resolver's choice. 0, or -1 with a message in *err. */
int ks_attach(int prog_fd, const struct ks_probe_choice *c, struct ks_buf *err);
/* Detach all attachments made so far (idempotent; also registered with atexit). */
void ks_detach_all(void);
int ks_attach_count(void);
/* A process some uprobe was attached for (-p) that has exited since, or 0. */
long ks_attach_pid_gone(void);

#endif
