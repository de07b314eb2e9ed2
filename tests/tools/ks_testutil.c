/* ks_testutil: small helpers for the tool tests.
 *   ks_testutil prog-exists ID      exit 0 if a BPF program with this id is loaded, 1 if not
 *   ks_testutil compile FILE        compile a BPF text (e.g. --ebpf output) with kscope's
 *                                   header resolver and libbcc; exit 0 when it compiles
 *   ks_testutil syscalls FIFO A B C  a known syscall mix, for syscount: wait for a line on
 *                                   FIFO, then make A getppid() calls, B openat() calls of
 *                                   a missing path (ENOENT) and C getpgid() calls of a pid
 *                                   that does not exist (ESRCH); print "done", wait for
 *                                   another line on FIFO, exit. Prints "ready" first: the
 *                                   test attaches only after the loader's own failing
 *                                   calls (access, openat of absent paths) are over
 *   ks_testutil open PATH FLAG...   open(PATH) with the named O_* flags (mode 0644), close;
 *                                   exit 0 if it opened
 *   ks_testutil openat DIR NAME     open DIR, openat() NAME relative to it, and keep both
 *                                   open for a second (for opensnoop -F)
 *   ks_testutil pin-hash PATH K V   create a BPF hash map (K-byte keys, V-byte values, 1024
 *                                   entries) and pin it at PATH (as BCC's users do for
 *                                   --cgroupmap and --mntnsmap)
 *   ks_testutil map-put PATH KEY    add KEY (a u64) with a zero value to the pinned map
 *   ks_testutil syncs FIFO FILE     for syncsnoop: wait for a line on FIFO, then call sync(),
 *                                   fsync(), fdatasync(), msync(), sync_file_range() and
 *                                   syncfs() once each, in that order, on FILE
 *   ks_testutil names DIR           for opensnoop's kept names: opens DIR/n0 as itself, then
 *                                   DIR/n1 after prctl(PR_SET_NAME, "ks-prctl"); a thread
 *                                   opens DIR/n2a, is renamed "ks-sibling" through
 *                                   /proc/self/task/TID/comm, opens DIR/n2; a child named
 *                                   "ks-first" opens DIR/n3 and exits, and a second child
 *                                   made with the same pid (clone3 set_tid) opens DIR/n4.
 *                                   Prints "pid P tid T reused R"
 *   ks_testutil alternate DIR N     for the order of events across CPUs: two threads, pinned
 *                                   to CPUs 0 and 1, take turns opening DIR/0 ... DIR/N-1
 *                                   (the first the even ones), each open done before the
 *                                   next begins */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sched.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ks_cache.h"
#include "ks_compile.h"
#include "ks_headers.h"
#include "ks_hist.h"
#include "ks_syscall.h"
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
    struct ks_cache off = {0}; /* no cache: kheaders goes to a private directory */
    char kh[PATH_MAX + 16];
    bool private_kh = false;
    struct ks_headers_req req = {.kheaders_dir = ks_cache_kheaders_dir(&off, kh, sizeof(kh),
                                                                       &private_kh)};
    int rc = 0;
    struct ks_object *o = NULL;
    if (ks_headers_find(&req, &h, &err) != 0) {
        rc = 2;
    } else if (!(o = ks_compile(text, &h, false, NULL, 0, &err))) {
        rc = 1;
    }
    if (rc)
        fprintf(stderr, "%s\n", err.s);
    if (private_kh)
        ks_rmtree(kh);
    ks_object_free(o);
    ks_buf_free(&err);
    free(text);
    return rc;
}

/* Block until the test writes a line to the FIFO. */
static int wait_line(const char *fifo)
{
    char line[64];
    FILE *f = fopen(fifo, "r");
    if (!f)
        return -1;
    char *got = fgets(line, sizeof(line), f);
    fclose(f);
    return got ? 0 : -1;
}

static int syscalls(char **argv)
{
    long n[3];
    for (int i = 0; i < 3; i++)
        if (!ks_parse_long(argv[i + 1], 0, 100000000, &n[i]))
            return 2;
    printf("ready\n");
    fflush(stdout);
    if (wait_line(argv[0]) != 0)
        return 2;
    for (long i = 0; i < n[0]; i++)
        syscall(SYS_getppid);
    for (long i = 0; i < n[1]; i++)
        if (syscall(SYS_openat, AT_FDCWD, "/nonexistent/kscope-syscount-test", O_RDONLY) >= 0)
            return 1;
    for (long i = 0; i < n[2]; i++)
        if (syscall(SYS_getpgid, 0x7ffffffe) >= 0 || errno != ESRCH)
            return 1;
    printf("done\n");
    fflush(stdout);
    return wait_line(argv[0]) == 0 ? 0 : 2;
}

/* ks_hist_collect on an empty histogram map (an interval with no I/O): under the
 * sanitizer build, any undefined behaviour on that path (qsort of NULL) fails here. */
static int hist_empty(void)
{
    union bpf_attr a;
    memset(&a, 0, sizeof(a));
    a.map_type = BPF_MAP_TYPE_HASH;
    a.key_size = 16; /* an 8-byte section, then the u64 slot */
    a.value_size = 8;
    a.max_entries = 16;
    int fd = (int)syscall(__NR_bpf, BPF_MAP_CREATE, &a, sizeof(a));
    if (fd < 0)
        return 2;
    struct ks_hist_section *s = NULL;
    int n = ks_hist_collect(fd, 16, 1, &s);
    n += ks_hist_collect(fd, 16, 0, &s);
    free(s);
    close(fd);
    return n == 0 ? 0 : 1;
}

/* Rewrite a cache entry so that it stays intact and fits the tool (same programs, types,
 * maps) but its first program is one the verifier rejects: "exit" with R0 unset. */
static int cache_break(const char *path)
{
    size_t len;
    char *data = ks_read_file(path, &len);
    const char *why;
    struct ks_object *o = data && len > 40 ? ks_object_parse(data + 40, len - 40, &why) : NULL;
    if (!o || !o->nprogs) {
        free(data);
        return 2;
    }
    o->progs[0].insn_cnt = 1;
    o->progs[0].insns[0] = (struct bpf_insn){.code = BPF_JMP | BPF_EXIT};
    struct ks_buf b = {0};
    ks_buf_addn(&b, data, 40); /* the entry's magic and key */
    ks_object_serialize(o, &b);
    FILE *f = fopen(path, "w");
    int rc = f && fwrite(b.s, 1, b.len, f) == b.len && fclose(f) == 0 ? 0 : 2;
    ks_buf_free(&b);
    ks_object_free(o);
    free(data);
    return rc;
}

static int open_with(int argc, char **argv)
{
    long flags = 0;
    for (int i = 1; i < argc; i++) {
        long v = ks_open_flag(argv[i]);
        if (v < 0) {
            fprintf(stderr, "ks_testutil: unknown flag %s\n", argv[i]);
            return 2;
        }
        flags |= v;
    }
    int fd = open(argv[0], (int)flags, 0644);
    if (fd < 0)
        return 1;
    close(fd);
    return 0;
}

static int openat_in(const char *dir, const char *name)
{
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    if (dfd < 0)
        return 1;
    int fd = openat(dfd, name, O_RDONLY);
    sleep(1);
    return fd >= 0 ? 0 : 1;
}

static long bpf_sys(int cmd, union bpf_attr *a)
{
    return syscall(__NR_bpf, cmd, a, sizeof(*a));
}

static int pin_hash(const char *path, const char *ks, const char *vs)
{
    union bpf_attr a;
    memset(&a, 0, sizeof(a));
    a.map_type = BPF_MAP_TYPE_HASH;
    a.key_size = (unsigned)atoi(ks);
    a.value_size = (unsigned)atoi(vs);
    a.max_entries = 1024;
    int fd = (int)bpf_sys(BPF_MAP_CREATE, &a);
    if (fd < 0) {
        perror("ks_testutil: BPF_MAP_CREATE");
        return 1;
    }
    memset(&a, 0, sizeof(a));
    a.pathname = (uintptr_t)path;
    a.bpf_fd = (unsigned)fd;
    if (bpf_sys(BPF_OBJ_PIN, &a) != 0) {
        perror("ks_testutil: BPF_OBJ_PIN");
        return 1;
    }
    return 0;
}

static int map_put(const char *path, const char *keystr)
{
    union bpf_attr a;
    memset(&a, 0, sizeof(a));
    a.pathname = (uintptr_t)path;
    int fd = (int)bpf_sys(BPF_OBJ_GET, &a);
    if (fd < 0) {
        perror("ks_testutil: BPF_OBJ_GET");
        return 1;
    }
    uint64_t key = strtoull(keystr, NULL, 0);
    uint64_t value = 0;
    memset(&a, 0, sizeof(a));
    a.map_fd = (unsigned)fd;
    a.key = (uintptr_t)&key;
    a.value = (uintptr_t)&value;
    if (bpf_sys(BPF_MAP_UPDATE_ELEM, &a) != 0) {
        perror("ks_testutil: BPF_MAP_UPDATE_ELEM");
        return 1;
    }
    return 0;
}

static int syncs(const char *fifo, const char *file)
{
    int fd = open(file, O_RDWR | O_CREAT, 0644);
    if (fd < 0 || ftruncate(fd, 4096) != 0)
        return 2;
    char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED || wait_line(fifo) != 0)
        return 2;
    sync();
    int bad = fsync(fd) | fdatasync(fd) | msync(m, 4096, MS_SYNC) |
              sync_file_range(fd, 0, 4096, SYNC_FILE_RANGE_WRITE) | syncfs(fd);
    munmap(m, 4096);
    close(fd);
    return bad ? 1 : 0;
}

static void open_close(const char *dir, const char *name)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    int fd = open(path, O_RDONLY);
    if (fd >= 0)
        close(fd);
}

struct names_thread {
    const char *dir;
    int opened[2]; /* the thread says it has opened n2a */
    int go[2];     /* and opens n2 once a byte arrives */
    pid_t tid;
};

static void *names_thread_main(void *arg)
{
    struct names_thread *t = arg;
    t->tid = (pid_t)syscall(SYS_gettid);
    open_close(t->dir, "n2a");
    char c = 'o';
    if (write(t->opened[1], &c, 1) == 1 && read(t->go[0], &c, 1) == 1)
        open_close(t->dir, "n2");
    return NULL;
}

/* A child with pid `pid` (clone3's set_tid, 5.5+, needs CAP_SYS_ADMIN): -1 when taken. */
static pid_t fork_with_pid(pid_t pid)
{
    struct clone_args ca;
    memset(&ca, 0, sizeof(ca));
    ca.exit_signal = SIGCHLD;
    ca.set_tid = (unsigned long)&pid;
    ca.set_tid_size = 1;
    return (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
}

static int names(const char *dir)
{
    open_close(dir, "n0");
    prctl(PR_SET_NAME, "ks-prctl");
    open_close(dir, "n1");

    struct names_thread t = {.dir = dir};
    pthread_t th;
    if (pipe(t.opened) != 0 || pipe(t.go) != 0 ||
        pthread_create(&th, NULL, names_thread_main, &t) != 0)
        return 2;
    /* Renamed by this thread, after the thread's first open (which made its entry). */
    char c;
    if (read(t.opened[0], &c, 1) != 1)
        return 2;
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/task/%d/comm", (int)t.tid);
    FILE *f = fopen(path, "w");
    if (!f || fputs("ks-sibling", f) < 0 || fclose(f) != 0)
        return 2;
    if (write(t.go[1], "g", 1) != 1 || pthread_join(th, NULL) != 0)
        return 2;

    /* The same pid twice: a high one, well away from where the kernel is handing out pids. */
    long max = 32768;
    FILE *m = fopen("/proc/sys/kernel/pid_max", "r");
    if (m) {
        if (fscanf(m, "%ld", &max) != 1)
            max = 32768;
        fclose(m);
    }
    for (pid_t want = (pid_t)(max - 100 - getpid() % 1000); want > 300; want -= 7) {
        pid_t c = fork_with_pid(want);
        if (c < 0 && errno == EEXIST)
            continue; /* taken: another one */
        if (c < 0) {
            fprintf(stderr, "ks_testutil names: clone3 with set_tid: %s (needs 5.5+ and root)\n",
                    strerror(errno));
            return 2;
        }
        if (c == 0) {
            prctl(PR_SET_NAME, "ks-first");
            open_close(dir, "n3");
            _exit(0);
        }
        waitpid(c, NULL, 0);
        c = fork_with_pid(want);
        if (c == 0) {
            open_close(dir, "n4");
            _exit(0);
        }
        if (c < 0)
            return 2;
        waitpid(c, NULL, 0);
        printf("pid %d tid %d reused %d\n", (int)getpid(), (int)t.tid, (int)want);
        return 0;
    }
    return 2;
}

struct alternate {
    const char *dir;
    int n;
    int turn; /* the next file to open; each thread waits for its own */
};

static void *alternate_main(void *arg)
{
    struct alternate *a = ((struct alternate **)arg)[0];
    int me = (int)(intptr_t)((void **)arg)[1];
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(me, &set);
    if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set) != 0)
        fprintf(stderr, "ks_testutil alternate: cannot pin a thread to CPU %d\n", me);
    for (int i = me; i < a->n; i += 2) {
        while (__atomic_load_n(&a->turn, __ATOMIC_ACQUIRE) != i)
            sched_yield();
        char name[32];
        snprintf(name, sizeof(name), "%d", i);
        open_close(a->dir, name);
        __atomic_store_n(&a->turn, i + 1, __ATOMIC_RELEASE);
    }
    return NULL;
}

static int alternate(const char *dir, const char *n)
{
    struct alternate a = {.dir = dir, .n = atoi(n)};
    void *args[2][2] = {{&a, (void *)0}, {&a, (void *)1}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        if (pthread_create(&th[i], NULL, alternate_main, args[i]) != 0)
            return 1;
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    return 0;
}

int main(int argc, char **argv)
{
    ks_set_prog("ks_testutil");
    if (argc == 3 && !strcmp(argv[1], "cache-break"))
        return cache_break(argv[2]);
    if (argc == 2 && !strcmp(argv[1], "hist-empty"))
        return hist_empty();
    if (argc == 3 && !strcmp(argv[1], "prog-exists"))
        return prog_exists(argv[2]);
    if (argc == 3 && !strcmp(argv[1], "compile"))
        return compile(argv[2]);
    if (argc == 6 && !strcmp(argv[1], "syscalls"))
        return syscalls(argv + 2);
    if (argc >= 3 && !strcmp(argv[1], "open"))
        return open_with(argc - 2, argv + 2);
    if (argc == 4 && !strcmp(argv[1], "openat"))
        return openat_in(argv[2], argv[3]);
    if (argc == 5 && !strcmp(argv[1], "pin-hash"))
        return pin_hash(argv[2], argv[3], argv[4]);
    if (argc == 4 && !strcmp(argv[1], "map-put"))
        return map_put(argv[2], argv[3]);
    if (argc == 4 && !strcmp(argv[1], "syncs"))
        return syncs(argv[2], argv[3]);
    if (argc == 3 && !strcmp(argv[1], "names"))
        return names(argv[2]);
    if (argc == 4 && !strcmp(argv[1], "alternate"))
        return alternate(argv[2], argv[3]);
    fprintf(stderr, "usage: ks_testutil prog-exists ID | compile FILE | syscalls FIFO A B C | "
                    "open PATH FLAG... | openat DIR NAME | pin-hash PATH K V | map-put PATH KEY | "
                    "syncs FIFO FILE | names DIR | alternate DIR N\n");
    return 2;
}
