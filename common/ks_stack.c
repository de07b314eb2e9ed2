#define _GNU_SOURCE
#include "ks_stack.h"

#include <bcc/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ks_ksyms.h"
#include "ks_maps.h"
#include "ks_usyms.h"

bool ks_stack_id_missed(int id)
{
    return id < 0 && id != -EFAULT;
}

void ks_stack_loss_add(struct ks_stack_losses *l, int id)
{
    if (id == -EEXIST)
        l->collisions++;
    else if (id == -ENOMEM)
        l->full++;
    else if (ks_stack_id_missed(id))
        l->other++;
}

void ks_stack_loss_report(const struct ks_stack_losses *l)
{
    uint64_t n = l->collisions + l->full + l->other;
    if (!n)
        return;
    /* BCC's sentence first, then what kscope knows beyond it. */
    fprintf(stderr,
            "WARNING: %llu stack traces could not be displayed (%llu to a full stack map, "
            "%llu to hash collisions%s).%s\n",
            (unsigned long long)n, (unsigned long long)l->full,
            (unsigned long long)l->collisions, l->other ? ", others unreadable" : "",
            l->full || l->collisions ? " Consider increasing --stack-storage-size." : "");
}

int ks_stack_read(int map_fd, int id, uint64_t *ips, int max)
{
    uint64_t buf[KS_STACK_DEPTH];
    if (id < 0 || bpf_lookup_elem(map_fd, &id, buf) != 0)
        return 0;
    int n = 0;
    while (n < KS_STACK_DEPTH && n < max && buf[n])
        ips[n] = buf[n], n++;
    return n;
}

void ks_stack_clear(int map_fd)
{
    int key, next;
    int *prev = NULL;
    /* Deleting while walking: always ask for the first remaining key. */
    while (bpf_get_next_key(map_fd, prev, &next) == 0) {
        key = next;
        bpf_delete_elem(map_fd, &key);
        prev = NULL;
    }
}

static void frames_alloc(struct ks_frames *out, int n)
{
    memset(out, 0, sizeof(*out));
    out->f = n ? ks_xcalloc((size_t)n, sizeof(char *)) : NULL;
}

void ks_frames_kernel(struct ks_frames *out, int map_fd, int id, unsigned flags)
{
    uint64_t ips[KS_STACK_DEPTH];
    int n = ks_stack_read(map_fd, id, ips, KS_STACK_DEPTH);
    frames_alloc(out, n);
    out->missed = ks_stack_id_missed(id);
    for (int i = 0; i < n; i++) {
        char b[512];
        ks_ksym_str(ips[i], flags & KS_FRAME_OFFSET, false, b, sizeof(b) - 8);
        if (flags & KS_FRAME_ANNOTATE)
            strcat(b, "_[k]");
        out->f[out->n++] = ks_xstrdup(b);
    }
}

void ks_frames_user(struct ks_frames *out, int map_fd, int id, uint32_t pid, unsigned flags)
{
    uint64_t ips[KS_STACK_DEPTH];
    int n = ks_stack_read(map_fd, id, ips, KS_STACK_DEPTH);
    frames_alloc(out, n);
    out->missed = ks_stack_id_missed(id);
    for (int i = 0; i < n; i++) {
        char b[512];
        out->f[out->n++] = ks_xstrdup(ks_usym_str(pid, ips[i], flags & KS_FRAME_OFFSET, b, sizeof(b)));
    }
}

void ks_frames_free(struct ks_frames *fr)
{
    for (int i = 0; i < fr->n; i++)
        free(fr->f[i]);
    free(fr->f);
    memset(fr, 0, sizeof(*fr));
}

void ks_frames_print(FILE *out, const struct ks_frames *fr, const char *placeholder)
{
    if (fr->missed) {
        fprintf(out, "    %s\n", placeholder);
        return;
    }
    for (int i = 0; i < fr->n; i++)
        fprintf(out, "    %s\n", fr->f[i]);
}

/* A frame name in a folded line: ';' separates frames, so it may not appear inside one
 * (a space may: readers split the count off at the last one). */
static void fold_name(struct ks_buf *line, const char *name)
{
    ks_buf_add(line, ";");
    for (const char *c = name; *c; c++)
        ks_buf_addn(line, *c == ';' ? ":" : *c == '\n' ? "_" : c, 1);
}

void ks_frames_fold(struct ks_buf *line, const struct ks_frames *fr, const char *placeholder)
{
    if (fr->missed) {
        fold_name(line, placeholder);
        return;
    }
    for (int i = fr->n - 1; i >= 0; i--)
        fold_name(line, fr->f[i]);
}

void ks_stack_print_block(FILE *out, const struct ks_stack_sample *s)
{
    if (s->kernel_on)
        ks_frames_print(out, &s->kernel, "[Missed Kernel Stack]");
    if (s->user_on) {
        if (s->delimit && s->kernel_on && s->kernel.n && s->user.n)
            fprintf(out, "    --\n");
        ks_frames_print(out, &s->user, "[Missed User Stack]");
    }
    fprintf(out, "    %-16s %s (%u)\n", "-", s->comm, s->pid);
    fprintf(out, "        %llu\n\n", (unsigned long long)s->value);
}

void ks_stack_print_folded(FILE *out, const struct ks_stack_sample *s)
{
    struct ks_buf line = {0};
    /* The comm is the first frame: a flame graph's bottom row per process name. */
    for (const char *c = s->comm; *c; c++)
        ks_buf_addn(&line, *c == ';' ? ":" : c, 1);
    if (s->user_on)
        ks_frames_fold(&line, &s->user, "[Missed User Stack]");
    if (s->kernel_on) {
        if (s->delimit && s->user_on && s->kernel.n && s->user.n)
            ks_buf_add(&line, ";-");
        ks_frames_fold(&line, &s->kernel, "[Missed Kernel Stack]");
    }
    fprintf(out, "%s %llu\n", line.s, (unsigned long long)s->value);
    ks_buf_free(&line);
}

static unsigned g_sort_key_size;

static uint32_t key_u32(const unsigned char *k, unsigned off)
{
    uint32_t v;
    memcpy(&v, k + off, sizeof(v));
    return v;
}

static int cmp_rows(const void *a, const void *b)
{
    const struct ks_count_row *x = a, *y = b;
    if (x->value != y->value)
        return x->value < y->value ? -1 : 1;
    return memcmp(x->key, y->key, g_sort_key_size);
}

size_t ks_counts_sorted(int counts_fd, unsigned key_size, struct ks_count_row **rowsp,
                        void **keys)
{
    *keys = NULL;
    size_t n = ks_map_keys(counts_fd, key_size, keys);
    struct ks_count_row *rows = ks_xcalloc(n ? n : 1, sizeof(*rows));
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        rows[m].key = (unsigned char *)*keys + i * key_size;
        if (bpf_lookup_elem(counts_fd, (void *)rows[m].key, &rows[m].value) == 0)
            m++;
    }
    g_sort_key_size = key_size;
    qsort(rows, m, sizeof(*rows), cmp_rows);
    *rowsp = rows;
    return m;
}

void ks_frames_reverse(struct ks_frames *fr)
{
    for (int i = 0, j = fr->n - 1; i < j; i++, j--) {
        char *t = fr->f[i];
        fr->f[i] = fr->f[j];
        fr->f[j] = t;
    }
}

size_t ks_stack_report(int counts_fd, int stacks_fd, const struct ks_stack_key *k,
                       const struct ks_stack_report *o, FILE *out)
{
    void *keys;
    struct ks_count_row *rows;
    size_t m = ks_counts_sorted(counts_fd, k->size, &rows, &keys);
    size_t first = o->top > 0 && (size_t)o->top < m ? m - (size_t)o->top : 0;
    struct ks_stack_losses losses = {0};
    for (size_t i = first; i < m; i++) {
        const unsigned char *key = rows[i].key;
        char comm[17];
        snprintf(comm, sizeof(comm), "%.*s", 16, (const char *)key + k->comm_off);
        uint32_t pid = key_u32(key, k->pid_off);
        uint32_t tgid = k->tgid_off >= 0 ? key_u32(key, (unsigned)k->tgid_off) : pid;
        int kid = (int)key_u32(key, k->kstack_off), uid = (int)key_u32(key, k->ustack_off);
        struct ks_stack_sample s = {
            .comm = comm,
            .pid = pid,
            .value = rows[i].value,
            .kernel_on = o->kernel_on,
            .user_on = o->user_on,
            .delimit = o->delimit,
        };
        if (s.kernel_on) {
            ks_stack_loss_add(&losses, kid);
            ks_frames_kernel(&s.kernel, stacks_fd, kid, o->kflags);
        }
        if (s.user_on) {
            ks_stack_loss_add(&losses, uid);
            ks_frames_user(&s.user, stacks_fd, uid, tgid, o->uflags);
        }
        if (o->folded)
            ks_stack_print_folded(out, &s);
        else
            ks_stack_print_block(out, &s);
        ks_frames_free(&s.kernel);
        ks_frames_free(&s.user);
    }
    fflush(out);
    ks_stack_loss_report(&losses);
    free(rows);
    free(keys);
    return m;
}

void ks_stack_dropped_warn(int percpu_fd, const char *what, long size, const char *option)
{
    uint64_t dropped = 0;
    int zero = 0;
    if (percpu_fd < 0 || ks_percpu_sum_u64(percpu_fd, &zero, 8, &dropped, 1) != 0 || !dropped)
        return;
    fprintf(stderr, "WARNING: %llu %s were not counted: the table of stacks was full (%ld "
                    "entries).%s%s%s\n",
            (unsigned long long)dropped, what, size, option ? " Consider increasing " : "",
            option ? option : "", option ? "." : "");
}
