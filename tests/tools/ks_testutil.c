/* ks_testutil: small helpers for the tool tests.
 *   ks_testutil prog-exists ID      exit 0 if a BPF program with this id is loaded, 1 if not
 *   ks_testutil compile FILE        compile a BPF text (e.g. --ebpf output) with kscope's
 *                                   header resolver and libbcc; exit 0 when it compiles */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ks_compile.h"
#include "ks_headers.h"
#include "ks_util.h"

static int prog_exists(const char *arg)
{
    long id;
    if (!ks_parse_long(arg, 1, 0x7fffffff, &id))
        return 2;
    union bpf_attr a;
    memset(&a, 0, sizeof(a));
    a.prog_id = (unsigned)id;
    int fd = (int)syscall(__NR_bpf, BPF_PROG_GET_FD_BY_ID, &a, sizeof(a));
    if (fd >= 0) {
        close(fd);
        return 0;
    }
    return errno == ENOENT ? 1 : 2;
}

static int compile(const char *file)
{
    char *text = ks_read_file(file, NULL);
    if (!text) {
        fprintf(stderr, "cannot read %s\n", file);
        return 2;
    }
    struct ks_headers h;
    struct ks_buf err = {0};
    struct ks_headers_req req = {.kheaders_dir = "/tmp/kscope-kheaders"};
    if (ks_headers_find(&req, &h, &err) != 0) {
        fprintf(stderr, "%s\n", err.s);
        return 2;
    }
    struct ks_object *o = ks_compile(text, &h, NULL, 0, &err);
    if (!o) {
        fprintf(stderr, "%s\n", err.s);
        return 1;
    }
    ks_object_free(o);
    return 0;
}

int main(int argc, char **argv)
{
    ks_set_prog("ks_testutil");
    if (argc == 3 && !strcmp(argv[1], "prog-exists"))
        return prog_exists(argv[2]);
    if (argc == 3 && !strcmp(argv[1], "compile"))
        return compile(argv[2]);
    fprintf(stderr, "usage: ks_testutil prog-exists ID | compile FILE\n");
    return 2;
}
