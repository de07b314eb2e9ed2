#include "ks_test_object.h"

#include <stdio.h>
#include <string.h>

#include "ks_util.h"

struct ks_object *ks_test_object(int variant)
{
    struct ks_object *o = ks_xcalloc(1, sizeof(*o));
    snprintf(o->license, sizeof(o->license), "GPL");
    if (variant == 2)
        return o;

    o->nmaps = 2;
    o->maps = ks_xcalloc(2, sizeof(*o->maps));
    snprintf(o->maps[0].name, KS_NAME_MAX, "events");
    o->maps[0].type = BPF_MAP_TYPE_PERF_EVENT_ARRAY;
    o->maps[0].key_size = 4;
    o->maps[0].value_size = 4;
    o->maps[0].max_entries = 0;
    snprintf(o->maps[1].name, KS_NAME_MAX, "start");
    o->maps[1].type = BPF_MAP_TYPE_HASH;
    o->maps[1].key_size = 8;
    o->maps[1].value_size = 16;
    o->maps[1].max_entries = 10240;
    o->maps[1].flags = BPF_F_NO_PREALLOC;

    o->nprogs = 2;
    o->progs = ks_xcalloc(2, sizeof(*o->progs));
    struct ks_prog_def *g = &o->progs[0];
    snprintf(g->name, KS_NAME_MAX, "tracepoint__syscalls__sys_enter_execve");
    g->type = BPF_PROG_TYPE_TRACEPOINT;
    g->insn_cnt = 5;
    g->insns = ks_xcalloc(g->insn_cnt, sizeof(struct bpf_insn));
    /* r1 = map #1 (ld_imm64, two slots); r0 = variant; exit */
    g->insns[0] = (struct bpf_insn){.code = BPF_LD | BPF_IMM | BPF_DW, .dst_reg = 1,
                                    .src_reg = BPF_PSEUDO_MAP_FD, .imm = 1};
    g->insns[1] = (struct bpf_insn){0};
    g->insns[2] = (struct bpf_insn){.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0,
                                    .imm = variant};
    g->insns[3] = (struct bpf_insn){.code = BPF_ALU64 | BPF_ADD | BPF_K, .dst_reg = 0, .imm = -1};
    g->insns[4] = (struct bpf_insn){.code = BPF_JMP | BPF_EXIT};

    g = &o->progs[1];
    snprintf(g->name, KS_NAME_MAX, "kp_exec_exit");
    g->type = BPF_PROG_TYPE_KPROBE;
    g->insn_cnt = 2;
    g->insns = ks_xcalloc(g->insn_cnt, sizeof(struct bpf_insn));
    g->insns[0] = (struct bpf_insn){.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0};
    g->insns[1] = (struct bpf_insn){.code = BPF_JMP | BPF_EXIT};
    return o;
}

#define DIFF(...)                                                                            \
    do {                                                                                     \
        fprintf(stderr, "  objects differ: " __VA_ARGS__);                                   \
        fputc('\n', stderr);                                                                 \
        return false;                                                                        \
    } while (0)

bool ks_test_object_equal(const struct ks_object *a, const struct ks_object *b)
{
    if (!a || !b)
        DIFF("%s is NULL", a ? "second" : "first");
    if (strcmp(a->license, b->license) != 0)
        DIFF("license '%s' vs '%s'", a->license, b->license);
    if (a->nmaps != b->nmaps || a->nprogs != b->nprogs)
        DIFF("%u/%u maps, %u/%u programs", a->nmaps, b->nmaps, a->nprogs, b->nprogs);
    for (uint32_t i = 0; i < a->nmaps; i++) {
        const struct ks_map_def *x = &a->maps[i], *y = &b->maps[i];
        if (strcmp(x->name, y->name) || x->type != y->type || x->key_size != y->key_size ||
            x->value_size != y->value_size || x->max_entries != y->max_entries ||
            x->flags != y->flags)
            DIFF("map %u ('%s' vs '%s')", i, x->name, y->name);
    }
    for (uint32_t i = 0; i < a->nprogs; i++) {
        const struct ks_prog_def *x = &a->progs[i], *y = &b->progs[i];
        if (strcmp(x->name, y->name) || x->type != y->type || x->insn_cnt != y->insn_cnt)
            DIFF("program %u ('%s' vs '%s')", i, x->name, y->name);
        if (x->insn_cnt && memcmp(x->insns, y->insns, x->insn_cnt * sizeof(struct bpf_insn)))
            DIFF("program %u ('%s') instructions", i, x->name);
    }
    return true;
}
