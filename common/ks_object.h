/* ks_object: a compiled BPF program set, independent of LLVM.
 *
 * The compile step (ks_compile) turns BPF C into this: per program its instructions, with
 * map references rewritten from file descriptors to map indexes, and per map its
 * definition. Loading it (here) creates the maps, patches their descriptors back in, and
 * loads the programs with the running kernel's version. The same bytes are what the
 * compile cache stores, so a cached run and a compiled run load identically. */
#ifndef KS_OBJECT_H
#define KS_OBJECT_H

#include <linux/bpf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ks_util.h"

#define KS_NAME_MAX 64

struct ks_map_def {
    char name[KS_NAME_MAX];
    uint32_t type, key_size, value_size, max_entries, flags;
};

struct ks_prog_def {
    char name[KS_NAME_MAX]; /* function name in the BPF source */
    uint32_t type;          /* BPF_PROG_TYPE_* */
    uint32_t insn_cnt;
    struct bpf_insn *insns; /* map references hold the map index, not an fd */
};

struct ks_object {
    char license[KS_NAME_MAX];
    uint32_t nmaps, nprogs;
    struct ks_map_def *maps;
    struct ks_prog_def *progs;
    /* Before ks_object_load: maps to take from elsewhere instead of creating (a pinned map
     * the user filled), by index; -1 or NULL: create. ks_object_use_map() sets them. */
    int *map_given;
    /* After ks_object_load: */
    int *map_fds;
    int *prog_fds;
};

void ks_object_free(struct ks_object *o);

/* Serialized form: magic, version, length and SHA-256 of the payload, then the payload. */
void ks_object_serialize(const struct ks_object *o, struct ks_buf *out);
/* Returns NULL (and a reason in *why) on anything that is not a complete, intact object. */
struct ks_object *ks_object_parse(const void *data, size_t len, const char **why);

/* Create maps and load programs. Returns 0, or -1 with a message for people in *err
 * (including the verifier's last lines). Nothing stays loaded on failure. */
int ks_object_load(struct ks_object *o, struct ks_buf *err);
/* Use an existing map (fd, kept open by the caller until after loading) for the object's
 * map NAME. Its type and key size must be the declared ones, its value size at least
 * the declared one. Returns 0, or -1 with a message for people in *err. */
int ks_object_use_map(struct ks_object *o, const char *name, int fd, struct ks_buf *err);
/* Close every map and program descriptor. */
void ks_object_unload(struct ks_object *o);

int ks_object_map_fd(const struct ks_object *o, const char *name);
const struct ks_map_def *ks_object_map(const struct ks_object *o, const char *name);
int ks_object_prog_fd(const struct ks_object *o, const char *name);
/* Kernel-assigned program id of a loaded program (0 when unknown). */
uint32_t ks_prog_id(int prog_fd);

#endif
