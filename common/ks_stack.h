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

/* Symbolize stack id: kernel frames, or user frames of process pid. A missed id gives
 * missed = true; another negative id gives no frames. */
enum {
    KS_FRAME_OFFSET = 1,   /* "name+0x1a" (-s) */
    KS_FRAME_ANNOTATE = 2, /* kernel frames end in "_[k]" (profile -a) */
};
void ks_frames_kernel(struct ks_frames *out, int map_fd, int id, unsigned flags);
void ks_frames_user(struct ks_frames *out, int map_fd, int id, uint32_t pid, unsigned flags);
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

/* Reverse the frames in place (root first): waker stacks in offwaketime's blocks. */
void ks_frames_reverse(struct ks_frames *fr);

/* Every (key, u64 value) of a counts map, sorted ascending by value (ties by key bytes):
 * BCC's order, the largest last. *keys holds the keys (free it, and *rows). Returns n. */
struct ks_count_row {
    const unsigned char *key;
    uint64_t value;
};
size_t ks_counts_sorted(int counts_fd, unsigned key_size, struct ks_count_row **rows,
                        void **keys);

/* The common case: a counts map of (key, u64 value), its key holding a thread or process
 * id, the process whose user symbols apply, both stack ids and the comm at these offsets.
 * Prints every entry ascending by value (BCC's order: the largest last), or with top > 0
 * only the top largest, as blocks or folded lines; then the lost-stack warning. */
struct ks_stack_key {
    unsigned size;       /* key size */
    unsigned pid_off;    /* u32: the id printed "comm (pid)" */
    int tgid_off;        /* u32: whose user symbols; -1: the pid is the process */
    unsigned ustack_off; /* int */
    unsigned kstack_off; /* int */
    unsigned comm_off;   /* char[16] */
};
struct ks_stack_report {
    bool kernel_on, user_on, delimit, folded;
    unsigned kflags, uflags; /* KS_FRAME_* */
    long top;
};
/* A per-CPU u64 counter (slot 0) of what a full counts table turned away: when not zero,
 * "WARNING: N <what> were not counted: the table of stacks was full (SIZE entries)." */
void ks_stack_dropped_warn(int percpu_fd, const char *what, long size, const char *option);
/* Returns the number of entries in the map. */
size_t ks_stack_report(int counts_fd, int stacks_fd, const struct ks_stack_key *k,
                       const struct ks_stack_report *o, FILE *out);

#endif
