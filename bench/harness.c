/* harness: run one tracing tool and measure it, for bench/run.sh.
 *
 *   harness -p PATTERN [options] -- TOOL [ARGS...]
 *
 * Starts TOOL with its stdout on a pseudo-terminal (default; read here, as a terminal
 * would be) or on a file (-o FILE, polled here), and takes the time from just before
 * fork+exec until a line containing PATTERN (the tool's column header) appears: the time
 * to ready. Then, optionally:
 *   -s FILE      with the pseudo-terminal: save what the tool printed (first MiB);
 *   -H SECONDS   keep tracing that long, then read VmRSS (steady) and VmHWM (peak) from
 *                /proc/PID/status;
 *   -w COMMAND   run a workload (sh -c COMMAND, its stdout to -W FILE), wait until the
 *                tool has gone idle again (its CPU time stops growing), and report the
 *                workload's wall time, the tool's CPU time over that window, and the run
 *                time and run count of every BPF program the tool holds (read through
 *                pidfd_getfd + BPF_OBJ_GET_INFO_BY_FD; needs kernel.bpf_stats_enabled=1
 *                for the run time).
 * Finally SIGINT, then SIGKILL if the tool does not exit within -k SECONDS.
 *
 * Prints key=value lines on stdout. A tool that exits before it is ready gives
 * "ready=fail exit=...". Built by bench/run.sh with cc -O2. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <dirent.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static bool ready_on_err; /* -E: the pattern shows in ERR (tools whose stdout has no header) */
static const char *pattern, *outfile, *savefile, *errfile = "/dev/null", *workload, *workload_out = "/dev/null";
static double timeout_s = 120, hold_s = 0, kill_s = 15, drain_max_s = 120;
static pid_t child;
static int master = -1, savefd = -1;
static size_t saved;

/* Keep the first MiB of what the tool wrote to its terminal (-s FILE), for error lines. */
static void save(const char *buf, ssize_t n)
{
    if (savefd < 0 || n <= 0 || saved >= (1u << 20))
        return;
    if (write(savefd, buf, (size_t)n) == n)
        saved += (size_t)n;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* ---- /proc readers ---- */

/* A number from /proc/PID/status (kB for the Vm* keys). */
static long status_kb(pid_t pid, const char *key)
{
    char p[64], line[256];
    snprintf(p, sizeof(p), "/proc/%d/status", (int)pid);
    FILE *f = fopen(p, "r");
    if (!f)
        return -1;
    long v = -1;
    size_t kl = strlen(key);
    while (fgets(line, sizeof(line), f))
        if (!strncmp(line, key, kl) && line[kl] == ':') {
            v = strtol(line + kl + 1, NULL, 10);
            break;
        }
    fclose(f);
    return v;
}

/* utime+stime in clock ticks, or -1. */
static long long cpu_ticks(pid_t pid)
{
    char p[64], buf[4096];
    snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
    int fd = open(p, O_RDONLY);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    char *s = strrchr(buf, ')'); /* comm may contain spaces */
    if (!s)
        return -1;
    unsigned long long ut = 0, st = 0;
    /* fields after comm: state(3) ... utime(14) stime(15) */
    if (sscanf(s + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return -1;
    return (long long)(ut + st);
}

/* ---- BPF programs held by the tool ---- */

struct prog {
    uint32_t id;
    char name[BPF_OBJ_NAME_LEN + 1];
    char attach[128]; /* the tracepoint or kprobe it is attached to, if found */
    uint64_t cnt, ns;
};
#define MAXPROG 64

static int read_progs(pid_t pid, struct prog *out, int max)
{
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pidfd < 0)
        return 0;
    char dir[64];
    snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *de;
    while (d && (de = readdir(d)) && n < max) {
        char p[512], link[128];
        snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
        ssize_t l = readlink(p, link, sizeof(link) - 1);
        if (l <= 0)
            continue;
        link[l] = '\0';
        if (strcmp(link, "anon_inode:bpf-prog") != 0)
            continue;
        int fd = (int)syscall(SYS_pidfd_getfd, pidfd, atoi(de->d_name), 0);
        if (fd < 0)
            continue;
        struct bpf_prog_info info;
        memset(&info, 0, sizeof(info));
        union bpf_attr a;
        memset(&a, 0, sizeof(a));
        a.info.bpf_fd = (uint32_t)fd;
        a.info.info_len = sizeof(info);
        a.info.info = (uint64_t)(uintptr_t)&info;
        if (syscall(SYS_bpf, BPF_OBJ_GET_INFO_BY_FD, &a, sizeof(a)) == 0) {
            bool dup = false;
            for (int i = 0; i < n; i++)
                dup |= out[i].id == info.id;
            if (!dup) {
                out[n].id = info.id;
                memcpy(out[n].name, info.name, BPF_OBJ_NAME_LEN);
                out[n].name[BPF_OBJ_NAME_LEN] = '\0';
                out[n].attach[0] = '\0';
                out[n].cnt = info.run_cnt;
                out[n].ns = info.run_time_ns;
                n++;
            }
        }
        close(fd);
    }
    /* What each program is attached to: the tool's perf_event fds, as bpftool perf shows. */
    if (d)
        rewinddir(d);
    while (d && (de = readdir(d))) {
        char p[512], link[128];
        snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
        ssize_t l = readlink(p, link, sizeof(link) - 1);
        if (l <= 0)
            continue;
        link[l] = '\0';
        if (strcmp(link, "anon_inode:[perf_event]") != 0)
            continue;
        char buf[128] = "";
        union bpf_attr a;
        memset(&a, 0, sizeof(a));
        a.task_fd_query.pid = (uint32_t)pid;
        a.task_fd_query.fd = (uint32_t)atoi(de->d_name);
        a.task_fd_query.buf = (uint64_t)(uintptr_t)buf;
        a.task_fd_query.buf_len = sizeof(buf);
        if (syscall(SYS_bpf, BPF_TASK_FD_QUERY, &a, sizeof(a)) != 0)
            continue;
        for (int i = 0; i < n; i++)
            if (out[i].id == a.task_fd_query.prog_id)
                snprintf(out[i].attach, sizeof(out[i].attach), "%s", buf);
    }
    if (d)
        closedir(d);
    close(pidfd);
    return n;
}

/* ---- the tool's terminal ---- */

static char linebuf[1 << 16];
static size_t linelen;
static volatile bool drain_run = true;

static void *drain_thread(void *arg)
{
    (void)arg;
    char buf[65536];
    while (drain_run) {
        struct pollfd pf = {.fd = master, .events = POLLIN};
        if (poll(&pf, 1, 100) <= 0)
            continue;
        ssize_t n = read(master, buf, sizeof(buf));
        if (n <= 0 && errno != EINTR && errno != EAGAIN)
            break;
        save(buf, n);
    }
    return NULL;
}

/* Feed terminal output; true when a line with the pattern has been seen. */
static bool feed(const char *buf, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = buf[i];
        if (c == '\r')
            continue;
        if (c == '\n') {
            linebuf[linelen] = '\0';
            if (strstr(linebuf, pattern))
                return true;
            linelen = 0;
        } else if (linelen < sizeof(linebuf) - 1) {
            linebuf[linelen++] = c;
        }
    }
    return false;
}

static void usage(void)
{
    fprintf(stderr, "usage: harness -p PATTERN [-E] [-o OUT] [-e ERR] [-s SAVE] [-t TIMEOUT] [-H HOLD] "
                    "[-w WORKLOAD] [-W WORKLOAD_OUT] [-d DRAIN_MAX] [-k KILL_AFTER] -- CMD...\n");
    exit(2);
}

int main(int argc, char **argv)
{
    int c;
    while ((c = getopt(argc, argv, "+p:Eo:e:s:t:H:w:W:d:k:")) != -1) {
        switch (c) {
        case 'p': pattern = optarg; break;
        case 'E': ready_on_err = true; break;
        case 'o': outfile = optarg; break;
        case 'e': errfile = optarg; break;
        case 's': savefile = optarg; break;
        case 't': timeout_s = atof(optarg); break;
        case 'H': hold_s = atof(optarg); break;
        case 'w': workload = optarg; break;
        case 'W': workload_out = optarg; break;
        case 'd': drain_max_s = atof(optarg); break;
        case 'k': kill_s = atof(optarg); break;
        default: usage();
        }
    }
    if (!pattern || optind >= argc || (ready_on_err && !outfile))
        usage();
    char **cmd = argv + optind;
    signal(SIGPIPE, SIG_IGN);

    int outfd, slave = -1;
    if (outfile) {
        outfd = open(outfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (outfd < 0) {
            perror(outfile);
            return 2;
        }
    } else {
        master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0 || grantpt(master) || unlockpt(master)) {
            perror("pty");
            return 2;
        }
        slave = open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
        struct termios t;
        tcgetattr(slave, &t);
        cfmakeraw(&t);
        t.c_oflag |= OPOST | ONLCR; /* like a terminal: \n becomes \r\n */
        tcsetattr(slave, TCSANOW, &t);
        struct winsize ws = {.ws_row = 50, .ws_col = 200};
        ioctl(slave, TIOCSWINSZ, &ws);
        outfd = slave;
    }
    if (savefile && !outfile)
        savefd = open(savefile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int errfd = open(errfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC);

    double t0 = now();
    child = fork();
    if (child == 0) {
        setpgid(0, 0);
        dup2(nullfd, 0);
        dup2(outfd, 1);
        dup2(errfd, 2);
        execvp(cmd[0], cmd);
        fprintf(stderr, "exec %s: %s\n", cmd[0], strerror(errno));
        _exit(127);
    }
    if (slave >= 0)
        close(slave);

    /* ---- wait for the header ---- */
    double t_ready = -1;
    int status = 0;
    bool exited = false;
    off_t off = 0;
    int infd = outfile ? open(ready_on_err ? errfile : outfile, O_RDONLY | O_CLOEXEC) : -1;
    while (t_ready < 0) {
        if (now() - t0 > timeout_s)
            break;
        if (outfile) {
            char buf[65536];
            ssize_t n = pread(infd, buf, sizeof(buf), off);
            if (n > 0) {
                off += n;
                if (feed(buf, (size_t)n))
                    t_ready = now();
                continue;
            }
            if (waitpid(child, &status, WNOHANG) == child) {
                exited = true;
                break;
            }
            sleep_s(0.0002);
        } else {
            struct pollfd pf = {.fd = master, .events = POLLIN};
            int r = poll(&pf, 1, 50);
            if (r > 0) {
                char buf[65536];
                ssize_t n = read(master, buf, sizeof(buf));
                save(buf, n);
                if (n > 0 && feed(buf, (size_t)n)) {
                    t_ready = now();
                    break;
                }
                if (n <= 0 && errno != EINTR && errno != EAGAIN) {
                    /* EIO: the slave side closed, the tool is gone */
                    waitpid(child, &status, 0);
                    exited = true;
                    break;
                }
            }
            if (waitpid(child, &status, WNOHANG) == child) {
                exited = true;
                break;
            }
        }
    }
    pthread_t th;
    bool have_thread = false;
    if (!outfile && !exited) {
        pthread_create(&th, NULL, drain_thread, NULL);
        have_thread = true;
    }
    if (t_ready < 0) {
        if (exited)
            printf("ready=fail\nexit=%d\n", WIFEXITED(status) ? WEXITSTATUS(status)
                                                               : 128 + WTERMSIG(status));
        else
            printf("ready=timeout\n");
        if (!exited) {
            kill(child, SIGKILL);
            waitpid(child, &status, 0);
        }
        return 0;
    }
    printf("ready_ms=%.3f\n", (t_ready - t0) * 1e3);
    printf("ready_hwm_kb=%ld\n", status_kb(child, "VmHWM"));
    fflush(stdout);

    long tck = sysconf(_SC_CLK_TCK);
    if (hold_s > 0) {
        sleep_s(hold_s);
        printf("steady_rss_kb=%ld\nhwm_kb=%ld\n", status_kb(child, "VmRSS"),
               status_kb(child, "VmHWM"));
    }

    if (workload) {
        struct prog before[MAXPROG], after[MAXPROG];
        int nb = read_progs(child, before, MAXPROG);
        long long c0 = cpu_ticks(child);
        long v0 = status_kb(child, "voluntary_ctxt_switches");
        double w0 = now();
        pid_t w = fork();
        if (w == 0) {
            int o = open(workload_out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
            dup2(nullfd, 0);
            if (o >= 0)
                dup2(o, 1);
            execl("/bin/sh", "sh", "-c", workload, (char *)NULL);
            _exit(127);
        }
        int ws;
        waitpid(w, &ws, 0);
        double w1 = now();
        /* Let the tool catch up: idle is CPU time unchanged for 0.5 s. */
        long long last = cpu_ticks(child);
        double still_since = now();
        while (now() - w1 < drain_max_s) {
            sleep_s(0.1);
            long long cur = cpu_ticks(child);
            if (cur < 0)
                break;
            if (cur != last) {
                last = cur;
                still_since = now();
            } else if (now() - still_since >= 0.5) {
                break;
            }
        }
        double drained = now();
        long long c1 = cpu_ticks(child);
        long v1 = status_kb(child, "voluntary_ctxt_switches");
        int na = read_progs(child, after, MAXPROG);
        printf("workload_exit=%d\nworkload_ms=%.1f\ndrain_ms=%.1f\n",
               WIFEXITED(ws) ? WEXITSTATUS(ws) : -1, (w1 - w0) * 1e3, (drained - w1) * 1e3);
        printf("tool_cpu_ms=%.0f\n", c0 >= 0 && c1 >= 0 ? (double)(c1 - c0) * 1e3 / (double)tck
                                                        : -1.0);
        printf("tool_wakeups=%ld\n", v0 >= 0 && v1 >= 0 ? v1 - v0 : -1);
        printf("post_rss_kb=%ld\npost_hwm_kb=%ld\n", status_kb(child, "VmRSS"),
               status_kb(child, "VmHWM"));
        for (int i = 0; i < na; i++) {
            uint64_t cnt0 = 0, ns0 = 0;
            for (int j = 0; j < nb; j++)
                if (before[j].id == after[i].id) {
                    cnt0 = before[j].cnt;
                    ns0 = before[j].ns;
                }
            uint64_t dc = after[i].cnt - cnt0, dn = after[i].ns - ns0;
            printf("prog=%u %s %s cnt=%llu ns=%llu ns_per_run=%.1f\n", after[i].id,
                   after[i].name[0] ? after[i].name : "-",
                   after[i].attach[0] ? after[i].attach : "-",
                   (unsigned long long)dc, (unsigned long long)dn,
                   dc ? (double)dn / (double)dc : 0.0);
        }
    }
    fflush(stdout);

    /* ---- stop ---- */
    struct rusage ru;
    memset(&ru, 0, sizeof(ru));
    kill(child, SIGINT);
    double k0 = now();
    pid_t got = 0;
    while ((got = wait4(child, &status, WNOHANG, &ru)) == 0 && now() - k0 < kill_s)
        sleep_s(0.01);
    if (got == 0) {
        kill(child, SIGKILL);
        wait4(child, &status, 0, &ru);
        printf("killed=1\n");
    }
    printf("stop_ms=%.1f\n", (now() - k0) * 1e3);
    printf("exit=%d\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    printf("tree_maxrss_kb=%ld\n", ru.ru_maxrss);
    printf("total_cpu_ms=%.0f\n",
           (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
               (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3);
    if (have_thread) {
        drain_run = false;
        pthread_join(th, NULL);
        close(master);
    }
    return 0;
}
