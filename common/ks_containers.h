/* ks_containers: --cgroupmap and --mntnsmap for every tool that filters by process (BCC's
 * filter_by_containers). The BPF side is ks_container_filtered() in bpfsrc/kscope.bpf.h;
 * this is the rest: the program text's switches, the rule for struct reads, and the
 * user's pinned maps put in place of the program's own. */
#ifndef KS_CONTAINERS_H
#define KS_CONTAINERS_H

#include <stdbool.h>

#include "ks_object.h"
#include "ks_opts.h"
#include "ks_util.h"

/* KS_CGROUPMAP / KS_MNTNSMAP for the program text. */
void ks_containers_prelude(const struct ks_common *c, struct ks_buf *text);

/* --mntnsmap reads task_struct: allowed when no chosen probe is a tracepoint, or when
 * struct reads are (the exact-headers decision, why_not its reason). Returns 0, or -1
 * with one message for people in *err. */
int ks_containers_check(const struct ks_common *c, bool tracepoint_used, bool struct_reads,
                        const char *why_not, struct ks_buf *err);

/* Open the pinned maps (BPF_OBJ_GET) and make the object use them. Returns 0, or -1 with
 * a message naming the option, the path and the fix. The descriptors stay open for the
 * run (the loaded program holds its own references). */
int ks_containers_use_maps(const struct ks_common *c, struct ks_object *o, struct ks_buf *err);

#endif
