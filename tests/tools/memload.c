/* memload: workloads for the memory and lock tools' tests (oomkill, klockstat, memleak,
 * plockstat, threadsnoop). Built with symbols and frame pointers, no inlining.
 *
 *   memload hog              allocate and touch 1 MiB after 1 MiB until killed (run it in a
 *                            memory-limited cgroup: the OOM killer's victim)
 *   memload pipe THREADS     THREADS writers fill one pipe a reader drains: they contend on
 *                            the pipe's kernel mutex (pipe_write takes it for each write)
 *   memload pipes N          on SIGUSR1: open N pipes and write one byte into each: N pipe
 *                            pages the kernel allocated (in pipe_write) and holds while they
 *                            stay open; prints "filled"
 *   memload leak             on SIGUSR1: leak_a() leaks 10 x 1000 bytes (malloc), leak_b()
 *                            3 x 4096 (calloc 4 x 1024), churn() allocates and frees 100 x
 *                            500 bytes; then prints "leaked" and waits
 *   memload leaknow          the same at once (for memleak -c), then waits
 *   memload mutex MS N       on SIGUSR1: two threads take one pthread mutex N times each,
 *                            holding it MS ms each time (hold_lock()); prints "done"
 *   memload thread           on SIGUSR1: pthread_create() of thread_main(); prints "done"
 * Each prints "ready <pid>" once running. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t g_go;
static void on_usr1(int sig)
{
    (void)sig;
    g_go = 1;
}

/* Wait for the test's SIGUSR1: it sends it once its tracer is ready. */
static void wait_go(void)
{
    while (!g_go)
        usleep(10000);
}

static void *volatile g_keep[64];

static void hog(void)
{
    for (;;) {
        char *p = malloc(1 << 20);
        if (p)
            memset(p, 1, 1 << 20);
        usleep(1000);
    }
}

static int g_pipe[2];
static void *pipe_writer(void *arg)
{
    (void)arg;
    static char buf[4096];
    for (;;)
        if (write(g_pipe[1], buf, sizeof(buf)) < 0)
            return NULL;
}
static void *pipe_reader(void *arg)
{
    (void)arg;
    static char buf[65536];
    for (;;)
        if (read(g_pipe[0], buf, sizeof(buf)) <= 0)
            return NULL;
}
static void pipes(int n)
{
    pthread_t t;
    if (pipe(g_pipe) != 0)
        exit(1);
    pthread_create(&t, NULL, pipe_reader, NULL);
    for (int i = 0; i < n; i++)
        pthread_create(&t, NULL, pipe_writer, NULL);
}

__attribute__((noinline)) void leak_a(void)
{
    for (int i = 0; i < 10; i++)
        g_keep[i] = malloc(1000);
}
__attribute__((noinline)) void leak_b(void)
{
    for (int i = 0; i < 3; i++)
        g_keep[10 + i] = calloc(4, 1024);
}
__attribute__((noinline)) void churn(void)
{
    for (int i = 0; i < 100; i++) {
        void *volatile p = malloc(500);
        free(p);
    }
}

static pthread_mutex_t g_mutex = PTHREAD_MUTEX_INITIALIZER;
static long g_hold_ms, g_rounds;
__attribute__((noinline)) void hold_lock(void)
{
    pthread_mutex_lock(&g_mutex);
    struct timespec ts = {g_hold_ms / 1000, (g_hold_ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
    pthread_mutex_unlock(&g_mutex);
}
static void *locker(void *arg)
{
    (void)arg;
    for (long i = 0; i < g_rounds; i++)
        hold_lock();
    return NULL;
}

__attribute__((noinline)) void *thread_main(void *arg)
{
    return arg;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    signal(SIGUSR1, on_usr1);
    setvbuf(stdout, NULL, _IONBF, 0);
    printf("ready %d\n", getpid());
    if (!strcmp(mode, "hog")) {
        hog();
    } else if (!strcmp(mode, "pipe") && argc > 2) {
        pipes(atoi(argv[2]));
    } else if (!strcmp(mode, "pipes") && argc > 2) {
        wait_go();
        for (int i = 0, n = atoi(argv[2]); i < n; i++) {
            int p[2];
            if (pipe(p) != 0 || write(p[1], "x", 1) != 1)
                return 1;
        }
        printf("filled\n");
    } else if (!strcmp(mode, "leak") || !strcmp(mode, "leaknow")) {
        if (!strcmp(mode, "leak"))
            wait_go();
        leak_a();
        leak_b();
        churn();
        printf("leaked\n");
    } else if (!strcmp(mode, "mutex") && argc > 3) {
        g_hold_ms = atol(argv[2]);
        g_rounds = atol(argv[3]);
        wait_go();
        pthread_t a, b;
        pthread_create(&a, NULL, locker, NULL);
        pthread_create(&b, NULL, locker, NULL);
        pthread_join(a, NULL);
        pthread_join(b, NULL);
        printf("done\n");
    } else if (!strcmp(mode, "thread")) {
        wait_go();
        pthread_t t;
        pthread_create(&t, NULL, thread_main, NULL);
        pthread_join(t, NULL);
        printf("done\n");
    } else {
        fprintf(stderr, "usage: memload hog|pipe N|pipes N|leak|leaknow|mutex MS N|thread\n");
        return 2;
    }
    for (;;)
        pause();
}
