/* famload: the workloads of bench/run.sh's family sections (net, generic, mem, sched).
 *
 *   famload conn -r RATE -s SECONDS [-P PORT]
 *       loopback TCP connections at RATE a second (paced) for SECONDS: a listener on
 *       127.0.0.1:PORT accepts in a second thread; each client connects, then closes with
 *       an RST (SO_LINGER 0: no TIME_WAIT, so ports never run out). Run it in a network
 *       namespace of its own (bench/run.sh does). Prints conns, wall_s, rate, cpu_s.
 *   famload call -n N
 *       N calls of ksb_target(), a non-inlined function a uprobe is put on.
 *   famload malloc -r RATE -n N -g START -o RESULT
 *       N malloc()/free() pairs at RATE a second (paced), after START (a FIFO) is written:
 *       memleak -p attaches to the waiting process. The result line goes to RESULT (a FIFO
 *       the workload command reads) and to stdout.
 *   famload pingpong -n N [-c CPU]
 *       two processes pass one byte back and forth over two pipes N times, both pinned to
 *       CPU (default: the last one): two context switches per round trip.
 *
 * Every mode prints one line of key=value pairs (wall_s= is the timed part). Built by
 * bench/run.sh with cc -O2 -fno-builtin (malloc/free must stay real calls). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(int who)
{
    struct rusage ru;
    getrusage(who, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* Pacing: sleep while more than a millisecond ahead of RATE (a busy loop would hide the
 * tracer's cost in spare CPU; sleeping leaves it to show in the achieved rate). */
static void pace(long done, double rate, double t0)
{
    double ahead = (double)done / rate - (now() - t0);
    if (ahead > 0.001) {
        struct timespec ts = {0, (long)(ahead * 1e9)};
        nanosleep(&ts, NULL);
    }
}

static void die(const char *what)
{
    fprintf(stderr, "famload: %s: %s\n", what, strerror(errno));
    exit(1);
}

/* ---- conn ---- */
static int lfd;
static void *acceptor(void *arg)
{
    (void)arg;
    for (;;) {
        int c = accept(lfd, NULL, NULL);
        if (c >= 0)
            close(c);
        else if (errno != EINTR && errno != ECONNABORTED)
            return NULL;
    }
}

static int conn(double rate, double secs, int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 4096))
        die("listen on 127.0.0.1");
    pthread_t th;
    pthread_create(&th, NULL, acceptor, NULL);
    struct linger lg = {1, 0};
    long n = 0, errors = 0, total = (long)(rate * secs);
    double c0 = cpu_s(RUSAGE_SELF), t0 = now();
    while (n < total) {
        int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (s < 0)
            die("socket");
        if (connect(s, (struct sockaddr *)&a, sizeof(a)) != 0)
            errors++;
        setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
        close(s);
        n++;
        pace(n, rate, t0);
    }
    double t1 = now();
    printf("conns=%ld errors=%ld wall_s=%.4f rate=%.0f cpu_s=%.3f\n", n, errors, t1 - t0,
           (double)n / (t1 - t0), cpu_s(RUSAGE_SELF) - c0);
    return errors ? 1 : 0;
}

/* ---- call ---- */
__attribute__((noinline)) int ksb_target(int x)
{
    __asm__ volatile("" ::: "memory"); /* a real function with a real call to it */
    return x + 1;
}

static int call(long n)
{
    volatile int acc = 0;
    double t0 = now();
    for (long i = 0; i < n; i++)
        acc = ksb_target(acc);
    double t1 = now();
    printf("calls=%ld wall_s=%.4f ns_per_call=%.1f\n", n, t1 - t0, (t1 - t0) * 1e9 / (double)n);
    return 0;
}

/* ---- malloc ---- */
static int mallocs(double rate, long n, const char *start, const char *result)
{
    char go[8];
    printf("ready pid=%d\n", (int)getpid());
    fflush(stdout);
    int f = open(start, O_RDONLY); /* blocks until the workload opens it to write */
    if (f < 0 || read(f, go, sizeof(go)) < 0)
        die(start);
    close(f);
    void *volatile p;
    double c0 = cpu_s(RUSAGE_SELF), t0 = now();
    for (long i = 0; i < n; i++) {
        p = malloc(64 + (size_t)(i & 63));
        free(p);
        if ((i & 1023) == 1023)
            pace(i + 1, rate, t0);
    }
    double t1 = now();
    char line[256];
    int l = snprintf(line, sizeof(line), "pairs=%ld wall_s=%.4f rate=%.0f cpu_s=%.3f\n", n,
                     t1 - t0, (double)n / (t1 - t0), cpu_s(RUSAGE_SELF) - c0);
    fputs(line, stdout);
    int r = open(result, O_WRONLY);
    if (r < 0 || write(r, line, (size_t)l) != l)
        die(result);
    close(r);
    return 0;
}

/* ---- pingpong ---- */
static int pingpong(long n, int cpu)
{
    if (cpu < 0)
        cpu = (int)sysconf(_SC_NPROCESSORS_ONLN) - 1;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof(set), &set))
        die("sched_setaffinity");
    int ab[2], ba[2];
    if (pipe(ab) || pipe(ba))
        die("pipe");
    char b = 0;
    pid_t pid = fork();
    if (pid == 0) {
        for (long i = 0; i < n; i++)
            if (read(ab[0], &b, 1) != 1 || write(ba[1], &b, 1) != 1)
                _exit(1);
        _exit(0);
    }
    double t0 = now();
    for (long i = 0; i < n; i++)
        if (write(ab[1], &b, 1) != 1 || read(ba[0], &b, 1) != 1)
            die("pipe ping-pong");
    double t1 = now();
    int st;
    waitpid(pid, &st, 0);
    printf("round_trips=%ld wall_s=%.4f switches_per_s=%.0f cpu=%d\n", n, t1 - t0,
           2.0 * (double)n / (t1 - t0), cpu);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
    usage:
        fprintf(stderr, "usage: famload conn -r RATE -s SECONDS [-P PORT] | call -n N | "
                        "malloc -r RATE -n N -g START -o RESULT | pingpong -n N [-c CPU]\n");
        return 2;
    }
    const char *mode = argv[1], *start = NULL, *result = NULL;
    double rate = 1000, secs = 1;
    long n = 1000000;
    int port = 5999, cpu = -1, c;
    optind = 2;
    while ((c = getopt(argc, argv, "r:s:P:n:g:o:c:")) != -1) {
        switch (c) {
        case 'r': rate = atof(optarg); break;
        case 's': secs = atof(optarg); break;
        case 'P': port = atoi(optarg); break;
        case 'n': n = atol(optarg); break;
        case 'g': start = optarg; break;
        case 'o': result = optarg; break;
        case 'c': cpu = atoi(optarg); break;
        default: goto usage;
        }
    }
    if (rate <= 0 || n <= 0)
        goto usage;
    if (!strcmp(mode, "conn"))
        return conn(rate, secs, port);
    if (!strcmp(mode, "call"))
        return call(n);
    if (!strcmp(mode, "malloc") && start && result)
        return mallocs(rate, n, start, result);
    if (!strcmp(mode, "pingpong"))
        return pingpong(n, cpu);
    goto usage;
}
