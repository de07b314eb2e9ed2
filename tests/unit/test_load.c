/* Unit tests of ks_object_load's error reports, by fault injection: this program replaces
 * libc's syscall() (ks_object.c calls bpf() through it) with a fake kernel that creates
 * maps and programs as /dev/null descriptors and fails BPF_PROG_LOAD as each case asks.
 * No root and no BPF needed; every path is deterministic. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ks_object.h"
#include "ks_test.h"
#include "ks_test_object.h"

/* The fake kernel's script: fail this many BPF_PROG_LOADs with this errno (forever: -1),
 * writing this verifier log when one is asked for. The loader loads a tool's programs on
 * several threads at once: the counts are atomic. */
static int g_fail_errno, g_fail_count, g_loads, g_log_loads;
static const char *g_log = "";

long syscall(long nr, ...)
{
    va_list ap;
    va_start(ap, nr);
    long a1 = va_arg(ap, long), a2 = va_arg(ap, long);
    va_end(ap);
    if (nr != __NR_bpf) {
        errno = ENOSYS;
        return -1;
    }
    union bpf_attr *attr = (union bpf_attr *)a2;
    if (a1 == BPF_MAP_CREATE)
        return open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (a1 != BPF_PROG_LOAD) {
        errno = EINVAL;
        return -1;
    }
    __atomic_fetch_add(&g_loads, 1, __ATOMIC_SEQ_CST);
    if (attr->log_buf && attr->log_size) {
        __atomic_fetch_add(&g_log_loads, 1, __ATOMIC_SEQ_CST);
        snprintf((char *)(uintptr_t)attr->log_buf, attr->log_size, "%s", g_log);
    }
    /* Take one failure from the script, if any is left. */
    int left = __atomic_load_n(&g_fail_count, __ATOMIC_SEQ_CST);
    while (left > 0 && !__atomic_compare_exchange_n(&g_fail_count, &left, left - 1, false,
                                                    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
        ;
    if (left != 0) {
        errno = g_fail_errno;
        return -1;
    }
    return open("/dev/null", O_RDONLY | O_CLOEXEC);
}

static int load(int fail_errno, int fail_count, const char *log, char **msg)
{
    g_fail_errno = fail_errno;
    g_fail_count = fail_count;
    g_log = log;
    g_loads = g_log_loads = 0;
    struct ks_object *o = ks_test_object(0);
    struct ks_buf err = {0};
    int rc = ks_object_load(o, &err);
    if (rc == 0)
        ks_object_unload(o);
    ks_object_free(o);
    *msg = err.s ? err.s : ks_xstrdup("");
    return rc;
}

int main(void)
{
    char *m;

    /* Everything loads. */
    CHECK_INTEQ(load(0, 0, "", &m), 0);
    CHECK_INTEQ(g_loads, 2);
    free(m);

    /* EAGAIN twice: retried, then loaded. */
    CHECK_INTEQ(load(EAGAIN, 2, "", &m), 0);
    CHECK_INTEQ(g_loads, 4);
    free(m);

    /* EAGAIN every time: a few attempts (of each of the two programs, loaded side by
     * side), then the errno; no verifier, no log load. */
    CHECK_INTEQ(load(EAGAIN, -1, "", &m), -1);
    CHECK_INTEQ(g_loads, 10);
    CHECK_INTEQ(g_log_loads, 0);
    CHECK_CONTAINS(m, "cannot load BPF program");
    CHECK_CONTAINS(m, "Resource temporarily unavailable");
    CHECK_NOT_CONTAINS(m, "verifier");
    free(m);

    /* ENOMEM: the errno and what to do, not a verifier rejection. */
    CHECK_INTEQ(load(ENOMEM, -1, "", &m), -1);
    CHECK_INTEQ(g_loads, 2);
    CHECK_CONTAINS(m, "Cannot allocate memory");
    CHECK_CONTAINS(m, "short of memory");
    CHECK_NOT_CONTAINS(m, "verifier");
    free(m);

    /* EPERM: privilege. */
    CHECK_INTEQ(load(EPERM, -1, "", &m), -1);
    CHECK_CONTAINS(m, "Operation not permitted");
    CHECK_CONTAINS(m, "run as root");
    CHECK_NOT_CONTAINS(m, "verifier");
    free(m);

    /* A real rejection: EACCES with the verifier's log, its last lines shown. */
    CHECK_INTEQ(load(EACCES, -1, "0: (b7) r0 = 0\nR1 invalid mem access 'scalar'\n", &m), -1);
    CHECK_CONTAINS(m, "the kernel's verifier rejected BPF program");
    CHECK_CONTAINS(m, "Permission denied");
    CHECK_CONTAINS(m, "R1 invalid mem access");
    CHECK_INTEQ(g_log_loads, 1); /* the log of the first program rejected, once */
    free(m);
    return ks_test_done("unit-load");
}
