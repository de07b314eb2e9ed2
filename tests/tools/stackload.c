/* stackload: workloads with known stacks, for the stack tools' tests. Built with symbols
 * and frame pointers, as a PIE (so it loads at a random address).
 *
 *   stackload hot [SECONDS]     spin in hot_a() 3x as long as in hot_b(); forever, or exit
 *                               SECONDS after a SIGUSR1 (so a test starts the clock once
 *                               its tracer is ready)
 *   stackload sys               a syscall-heavy loop: read() 64 KiB of /dev/zero
 *   stackload sleep             a second thread sleeps 100 ms at a time in nanosleep()
 *   stackload pingpong N        two processes wake each other through pipes, N times each
 *                               second (parent: stackload, child renamed "pong")
 *   stackload spin N            N threads named "spinner" that never sleep (pin them to one CPU
 *                               with taskset and each waits its turn: the scheduler tools);
 *                               prints "ready <pid> <tid>..." (N thread ids)
 *   stackload jit               (x86_64) spin in code written to anonymous memory, named
 *                               "jit_spin" in /tmp/perf-PID.map as a JIT would
 * Each prints "ready <pid> [<tid>]" once running. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

static volatile unsigned long sink;

/* noinline and no sibling calls (built -O0): each function keeps its own frame. */
__attribute__((noinline)) static void spin(unsigned long n)
{
    for (unsigned long i = 0; i < n; i++)
        sink += i;
}
__attribute__((noinline)) void hot_a(void)
{
    spin(3000000);
}
__attribute__((noinline)) void hot_b(void)
{
    spin(1000000);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static volatile sig_atomic_t g_go;
static void on_usr1(int sig)
{
    (void)sig;
    g_go = 1;
}

static void hot(double secs)
{
    double end = 0;
    for (;;) {
        hot_a();
        hot_b();
        if (secs > 0 && g_go && !end)
            end = now() + secs;
        if (end && now() >= end)
            return;
    }
}

__attribute__((noinline)) void sys_loop(void)
{
    static char buf[65536];
    int fd = open("/dev/zero", O_RDONLY);
    for (;;)
        if (read(fd, buf, sizeof(buf)) < 0)
            exit(1);
}

__attribute__((noinline)) void sleeper_nap(void)
{
    struct timespec ts = {0, 100000000};
    nanosleep(&ts, NULL);
}

static void *sleeper(void *arg)
{
    (void)arg;
    prctl(PR_SET_NAME, "sleeper");
    printf("ready %d %ld\n", getpid(), (long)syscall(SYS_gettid));
    fflush(stdout);
    for (;;)
        sleeper_nap();
    return NULL;
}

__attribute__((noinline)) void ping_wait(int fd)
{
    char c;
    if (read(fd, &c, 1) != 1)
        exit(0);
}

static void pingpong(long rate)
{
    int ab[2], ba[2];
    if (pipe(ab) || pipe(ba))
        exit(1);
    pid_t child = fork();
    if (child == 0) {
        prctl(PR_SET_NAME, "pong");
        for (;;) {
            ping_wait(ab[0]);
            if (write(ba[1], "x", 1) != 1)
                exit(0);
        }
    }
    printf("ready %d %d\n", getpid(), child);
    fflush(stdout);
    struct timespec gap = {0, 1000000000L / rate};
    for (;;) {
        if (write(ab[1], "x", 1) != 1)
            exit(0);
        ping_wait(ba[0]);
        nanosleep(&gap, NULL);
    }
}

#define SPIN_MAX 16
static pthread_barrier_t g_spin_started;
static long g_spin_tids[SPIN_MAX];

static void *spinner(void *arg)
{
    prctl(PR_SET_NAME, "spinner");
    g_spin_tids[(long)arg] = (long)syscall(SYS_gettid);
    pthread_barrier_wait(&g_spin_started);
    for (;;)
        sink++;
    return NULL;
}

static void spin_threads(long n)
{
    if (n < 1 || n > SPIN_MAX)
        exit(2);
    pthread_barrier_init(&g_spin_started, NULL, (unsigned)n + 1);
    for (long i = 0; i < n; i++) {
        pthread_t t;
        pthread_create(&t, NULL, spinner, (void *)i);
    }
    pthread_barrier_wait(&g_spin_started);
    printf("ready %d", getpid());
    for (long i = 0; i < n; i++)
        printf(" %ld", g_spin_tids[i]);
    printf("\n");
    fflush(stdout);
    for (;;)
        pause();
}

#if defined(__x86_64__)
#include <sys/mman.h>
/* A one-instruction JIT: "jmp ." spins forever in memory no file backs. */
static void jit(void)
{
    unsigned char *code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (code == MAP_FAILED)
        exit(1);
    code[0] = 0xeb;
    code[1] = 0xfe;
    char path[64];
    snprintf(path, sizeof(path), "/tmp/perf-%d.map", getpid());
    FILE *f = fopen(path, "w");
    if (!f)
        exit(1);
    fprintf(f, "%lx 2 jit_spin\n", (unsigned long)code);
    fclose(f);
    printf("ready %d\n", getpid());
    fflush(stdout);
    ((void (*)(void))code)();
}
#endif

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    if (!strcmp(argv[1], "hot")) {
        signal(SIGUSR1, on_usr1);
        printf("ready %d\n", getpid());
        fflush(stdout);
        hot(argc > 2 ? atof(argv[2]) : 0);
        return 0;
    }
    if (!strcmp(argv[1], "sys")) {
        printf("ready %d\n", getpid());
        fflush(stdout);
        sys_loop();
    }
    if (!strcmp(argv[1], "sleep")) {
        pthread_t t;
        pthread_create(&t, NULL, sleeper, NULL);
        pthread_join(t, NULL);
    }
#if defined(__x86_64__)
    if (!strcmp(argv[1], "jit"))
        jit();
#endif
    if (!strcmp(argv[1], "spin"))
        spin_threads(argc > 2 ? atol(argv[2]) : 2);
    if (!strcmp(argv[1], "pingpong"))
        pingpong(argc > 2 ? atol(argv[2]) : 100);
    return 2;
}
