/* loadgen: a known, repeatable workload for bench/run.sh.
 *
 *   loadgen [-n N] [-f PATH]      N x openat(PATH, O_RDONLY) + close   (default 1000000)
 *   loadgen -x [-n N] [-f PATH]   N x openat() of a path that does not exist (ENOENT)
 *   loadgen -D [-n N] [-f PATH]   N x 4 KiB O_DIRECT pwrite() to PATH: block I/O requests
 *   loadgen -g [-n N]             N x getppid(): the cheapest system call, for syscount
 *
 * PATH should be unique to the run so a tracer's output lines for it can be counted; the
 * default is /tmp/ksbench-loadgen-<pid>. With plain opens the file is created first if
 * missing (an extra open, not counted in N: create it beforehand for exact counts). Prints
 * one line:
 *   path=PATH ops=N errors=E wall_s=S ns_per_op=T
 * Built by bench/run.sh with cc -O2. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    long n = 1000000;
    const char *path = NULL;
    int missing = 0, direct = 0, syscalls = 0, c;
    while ((c = getopt(argc, argv, "n:f:xDg")) != -1) {
        switch (c) {
        case 'n': n = atol(optarg); break;
        case 'f': path = optarg; break;
        case 'x': missing = 1; break;
        case 'D': direct = 1; break;
        case 'g': syscalls = 1; break;
        default:
            fprintf(stderr, "usage: loadgen [-n N] [-f PATH] [-x | -D | -g]\n");
            return 2;
        }
    }
    char def[128];
    if (!path) {
        snprintf(def, sizeof(def), "/tmp/ksbench-loadgen-%d%s", (int)getpid(),
                 missing ? "-missing" : "");
        path = def;
    }
    long errors = 0;
    double t0, t1;

    if (syscalls) {
        path = "-";
        t0 = now();
        for (long i = 0; i < n; i++)
            syscall(SYS_getppid); /* through syscall(): libc must not cache it */
        t1 = now();
    } else if (direct) {
        enum { BS = 4096, SPAN = 1024 }; /* cycle over 4 MiB */
        void *buf;
        if (posix_memalign(&buf, BS, BS) != 0)
            return 1;
        memset(buf, 0x5a, BS);
        int fd = open(path, O_WRONLY | O_CREAT | O_DIRECT, 0600);
        if (fd < 0) {
            fprintf(stderr, "loadgen: %s: %s\n", path, strerror(errno));
            return 1;
        }
        /* Allocate the blocks first, so the timed writes are plain overwrites. */
        for (long i = 0; i < SPAN; i++)
            if (pwrite(fd, buf, BS, (off_t)i * BS) != BS) {
                fprintf(stderr, "loadgen: O_DIRECT write: %s\n", strerror(errno));
                return 1;
            }
        fdatasync(fd);
        t0 = now();
        for (long i = 0; i < n; i++)
            if (pwrite(fd, buf, BS, (off_t)(i % SPAN) * BS) != BS)
                errors++;
        t1 = now();
        close(fd);
    } else {
        if (missing) {
            unlink(path);
        } else if (access(path, F_OK) != 0) {
            int fd = open(path, O_WRONLY | O_CREAT, 0600);
            if (fd < 0) {
                fprintf(stderr, "loadgen: %s: %s\n", path, strerror(errno));
                return 1;
            }
            close(fd);
        }
        t0 = now();
        for (long i = 0; i < n; i++) {
            int fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
            if (fd >= 0)
                close(fd);
            else
                errors++;
        }
        t1 = now();
        if (missing)
            errors = n - errors; /* here, a success is the surprise */
    }
    printf("path=%s ops=%ld errors=%ld wall_s=%.4f ns_per_op=%.1f\n", path, n, errors, t1 - t0,
           n ? (t1 - t0) * 1e9 / (double)n : 0.0);
    return errors ? 1 : 0;
}
