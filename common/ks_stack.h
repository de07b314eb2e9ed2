/* ks_stack: stack traces from BPF stack maps, as values tools print.
 *
 * A BPF program records a stack with bpf_get_stackid() into a BPF_STACK_TRACE map and
 * keeps the id it returns (4.6+). The id is negative when there is none:
 *   -EFAULT  no stack of that kind here (a kernel thread has no user stack): not an error;
 *   -EEXIST  a different stack already holds the id's bucket (a hash collision);
 *   -ENOMEM  the map is full (--stack-storage-size too small).
 * The last two lose a stack; tools count them and say how many at the end.
 *
 * A sample (struct ks_stack_sample: comm, pid, value, kernel and user frames) is the value
 * every stack tool prints; this module renders it as BCC's indented block or as one
 * folded line ("comm;user;...;kernel N", what flame graph tools read). */
#ifndef KS_STACK_H
#define KS_STACK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ks_util.h"

#define KS_STACK_DEPTH 127 /* PERF_MAX_STACK_DEPTH: frames per stack in the map */

/* Frames of one stack, leaf first, symbolized. */
struct ks_frames {
    int n;
    char **f;
    bool missed; /* the stack was lost (collision, full map): print a placeholder */
};

/* Does this id stand for a lost stack (a collision or a full map)? */
bool ks_stack_id_missed(int id);

/* Count stack ids of lost stacks, to report them once at the end. */
struct ks_stack_losses {
    uint64_t collisions, full, other;
};
void ks_stack_loss_add(struct ks_stack_losses *l, int id);
/* "WARNING: N stack traces could not be displayed..." on stderr when any was lost. */
void ks_stack_loss_report(const struct ks_stack_losses *l);

/* Read stack id from the map into ips (leaf first): the number of frames, 0 if none. */
int ks_stack_read(int map_fd, int id, uint64_t *ips, int max);
/* Delete every stack in the map (after printing, so that the next interval starts empty). */
void ks_stack_clear(int map_fd);

/* Symbolize stack id: kernel frames (annotate: BCC's "_[k]" suffix, -a) or user frames of
 * pid. A missed id gives missed = true; another negative id gives no frames. */
void ks_frames_kernel(struct ks_frames *out, int map_fd, int id, bool annotate);
void ks_frames_user(struct ks_frames *out, int map_fd, int id, uint32_t pid);
void ks_frames_free(struct ks_frames *fr);

struct ks_stack_sample {
    const char *comm;
    uint32_t pid;
    uint64_t value;
    bool kernel_on, user_on; /* which stacks the tool collects (-K, -U) */
    bool delimit;            /* -d: "--" / "-" between kernel and user frames */
    struct ks_frames kernel, user;
};

/* BCC's block: kernel frames, ["--"], user frames, "-  comm (pid)", the value, a blank. */
void ks_stack_print_block(FILE *out, const struct ks_stack_sample *s);
/* BCC's folded line: comm;user frames (root first);[-;]kernel frames (root first) value. */
void ks_stack_print_folded(FILE *out, const struct ks_stack_sample *s);

/* Pieces for tools whose blocks and lines hold more than one task (offwaketime,
 * wakeuptime): frames as indented lines, leaf first; or appended to a folded line, root
 * first, each after a ';'. */
void ks_frames_print(FILE *out, const struct ks_frames *fr, const char *placeholder);
void ks_frames_fold(struct ks_buf *line, const struct ks_frames *fr, const char *placeholder);

#endif
