#include "ks_containers.h"

#include <errno.h>
#include <linux/bpf.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

void ks_containers_prelude(const struct ks_common *c, struct ks_buf *text)
{
    if (c->cgroupmap)
        ks_buf_add(text, "#define KS_CGROUPMAP 1 /* --cgroupmap: only cgroups in the user's "
                         "pinned map */\n");
    if (c->mntnsmap)
        ks_buf_add(text, "#define KS_MNTNSMAP 1 /* --mntnsmap: only mount namespaces in the "
                         "user's pinned map */\n");
}

int ks_containers_check(const struct ks_common *c, bool tracepoint_used, bool struct_reads,
                        const char *why_not, struct ks_buf *err)
{
    if (!c->mntnsmap || !tracepoint_used || struct_reads)
        return 0;
    ks_buf_printf(err,
                  "--mntnsmap needs the task's mount namespace, a kernel struct read, which "
                  "tracepoint probes may do only with the running kernel's own headers, and "
                  "%s. Install the headers of this kernel (linux-headers-$(uname -r)), or "
                  "use --probe=kprobe where the kernel has kprobes; --cgroupmap needs no "
                  "struct read.",
                  why_not);
    return -1;
}

static int use_pinned(struct ks_object *o, const char *option, const char *path,
                      const char *map, const char *what, struct ks_buf *err)
{
    union bpf_attr a;
    memset(&a, 0, sizeof(a));
    a.pathname = (uintptr_t)path;
    int fd = (int)syscall(__NR_bpf, BPF_OBJ_GET, &a, sizeof(a));
    if (fd < 0) {
        ks_buf_printf(err,
                      "%s %s: cannot open the pinned BPF map: %s. Pin a hash map of %s there "
                      "first (e.g. bpftool map create %s type hash key 8 value 8 entries 1024 "
                      "name %s), on a mounted bpffs (/sys/fs/bpf).",
                      option, path, strerror(errno), what, path, map);
        return -1;
    }
    struct ks_buf why = {0};
    if (ks_object_use_map(o, map, fd, &why) != 0) {
        ks_buf_printf(err, "%s %s: not a map of %s: %s", option, path, what, why.s);
        ks_buf_free(&why);
        close(fd);
        return -1;
    }
    return 0;
}

int ks_containers_use_maps(const struct ks_common *c, struct ks_object *o, struct ks_buf *err)
{
    if (c->cgroupmap &&
        use_pinned(o, "--cgroupmap", c->cgroupmap, "ks_cgroupset", "cgroup ids (u64 keys)",
                   err) != 0)
        return -1;
    if (c->mntnsmap &&
        use_pinned(o, "--mntnsmap", c->mntnsmap, "ks_mntns_set",
                   "mount namespace ids (u64 keys)", err) != 0)
        return -1;
    return 0;
}
