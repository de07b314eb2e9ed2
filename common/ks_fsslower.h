/* ks_fsslower: the ext4slower / xfsslower / btrfsslower / nfsslower family (BCC's), one
 * implementation with a table of file systems. Each tool file says which file system it
 * traces and calls ks_fsslower_main(); the table (ks_fsslower.c) names, per file system,
 * the kernel functions of its four operations (read, write, open, fsync; nfs: getattr in
 * place of fsync) with their fallbacks, how each takes its file, and the superblock magic
 * the program checks. The BPF program is bpfsrc/fsslower.bpf.c. Kprobe-only: no
 * tracepoint sees a file system's own read_iter/write_iter/open/fsync. */
#ifndef KS_FSSLOWER_H
#define KS_FSSLOWER_H

int ks_fsslower_main(const char *fs, int argc, char **argv);

#endif
