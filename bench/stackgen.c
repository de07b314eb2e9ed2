/* stackgen: a busy workload with 1024 distinct user stacks, for the profile bench.
 *
 *   stackgen SECONDS [THREADS]
 *
 * Each thread walks the 1024 paths of a depth-10 call tree (at each level one of two
 * functions, chosen by one bit of the path number) and spins briefly at the leaf, so a
 * sampling profiler sees 1024 unique stacks, each with ten frames of this binary to
 * symbolize. Built by bench/run.sh with -O0 -fno-omit-frame-pointer. */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static volatile unsigned long sink;
static double g_end;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

__attribute__((noinline)) static void leaf(void)
{
    for (int i = 0; i < 20000; i++)
        sink += (unsigned long)i;
}

static void step_a(int level, unsigned path);
static void step_b(int level, unsigned path);

__attribute__((noinline)) static void next(int level, unsigned path)
{
    if (level == 10)
        leaf();
    else if (path >> level & 1)
        step_b(level + 1, path);
    else
        step_a(level + 1, path);
}
__attribute__((noinline)) static void step_a(int level, unsigned path)
{
    next(level, path);
}
__attribute__((noinline)) static void step_b(int level, unsigned path)
{
    next(level, path);
}

static void *worker(void *arg)
{
    (void)arg;
    while (now() < g_end)
        for (unsigned p = 0; p < 1024; p++)
            next(0, p);
    return NULL;
}

int main(int argc, char **argv)
{
    g_end = now() + (argc > 1 ? atof(argv[1]) : 60);
    int n = argc > 2 ? atoi(argv[2]) : (int)sysconf(_SC_NPROCESSORS_ONLN);
    pthread_t t[256];
    for (int i = 0; i < n && i < 256; i++)
        pthread_create(&t[i], NULL, worker, NULL);
    for (int i = 0; i < n && i < 256; i++)
        pthread_join(t[i], NULL);
    return 0;
}
