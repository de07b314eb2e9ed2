/* genload: known calls for the generic tracers' tests (funccount, funclatency, stackcount,
 * argdist, trace, funcslower). Built with symbols and frame pointers, without inlining,
 * linked with libgenlib.so (its own shared library), with USDT probes from <sys/sdt.h>.
 *
 *   genload MODE
 * prints "ready <pid>", waits for SIGUSR1 (so the test starts its tracer first), runs MODE
 * once, prints "done" and exits:
 *   calls    gen_add(i, 2) 100 times (i = 0..99), gen_mul 50 times, genlib_work 30 times,
 *            genlib_other 7 times, USDT genload:tick 20 times (args: i, 1000 + i),
 *            USDT genload:gated 10 times (with a semaphore: counted only while traced),
 *            getppid() 33 times
 *   sleep    gen_sleep(5) 10 times (5 ms each), gen_sleep(1) 4 times, genlib_sleep(20)
 *            twice; then a line "took NAME NS MIN_NS" per call: its duration as measured
 *            around the call, and the least it can be (what the sleeps ask for)
 *   nested   gen_rec(3) 5 times: gen_rec calls itself 3 levels down, each level
 *            sleeping 2 ms before it recurses; "took gen_rec NS MIN_NS" per call (every level)
 *   stack    gen_top -> gen_mid -> gen_leaf, 7 times
 *   slow     slow_call(ms, tag) 20 times, tags 0..19: even tags wait 3 ms, odd ones 0 ms;
 *            returns tag * 2; "took slow_call NS MIN_NS" per call, in tag order
 *   fork     3 children forked (each exits at once) and waited for */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* Probes with semaphores: a probe's note names its semaphore, which the kernel counts up
 * while a uprobe is attached there (ref_ctr_offset, 4.20+). */
#ifdef GENLOAD_USDT
#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>
#else
#define DTRACE_PROBE1(p, n, a) ((void)(a)) /* no <sys/sdt.h>: the tests say so */
#define DTRACE_PROBE2(p, n, a, b) ((void)(a), (void)(b))
#endif
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int genlib_work(int x);
int genlib_other(int x);
void genlib_sleep(int ms);

/* <provider>_<probe>_semaphore, in section .probes, as <sys/sdt.h> expects. tick fires
 * every time; gated only while its semaphore says a tracer is there. */
volatile unsigned short genload_tick_semaphore __attribute__((unused, section(".probes")));
volatile unsigned short genload_gated_semaphore __attribute__((unused, section(".probes")));

static volatile long sink;

/* Durations measured by the workload itself, printed after the work. */
static struct {
    const char *name;
    long long ns, min_ns; /* measured; the least it can be (the sleeps asked for) */
} took[64];
static int ntook;
static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}
static void note(const char *name, long long ns, long long min_ns)
{
    if (ntook < 64) {
        took[ntook].name = name;
        took[ntook].ns = ns;
        took[ntook].min_ns = min_ns;
        ntook++;
    }
}

__attribute__((noinline)) long gen_add(long a, long b)
{
    return a + b;
}

__attribute__((noinline)) long gen_mul(long a, long b)
{
    return a * b;
}

__attribute__((noinline)) void gen_sleep(int ms)
{
    struct timespec ts = {0, (long)ms * 1000000L};
    nanosleep(&ts, NULL);
}

/* Waits ms milliseconds (0: returns at once); returns tag * 2 (a known return value). */
__attribute__((noinline)) long slow_call(int ms, long tag)
{
    if (ms)
        gen_sleep(ms);
    return tag * 2;
}

__attribute__((noinline)) int gen_rec(int depth)
{
    long long t0 = now_ns();
    gen_sleep(2);
    int r = depth > 0 ? gen_rec(depth - 1) + 1 : 0;
    note("gen_rec", now_ns() - t0, (depth + 1) * 2000000LL);
    return r;
}

__attribute__((noinline)) void gen_leaf(void)
{
    sink++;
}

__attribute__((noinline)) void gen_mid(void)
{
    gen_leaf();
    sink++;
}

__attribute__((noinline)) void gen_top(void)
{
    gen_mid();
    sink++;
}

static volatile sig_atomic_t go;
static void on_usr1(int sig)
{
    (void)sig;
    go = 1;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: genload calls|sleep|nested|stack|slow|fork\n");
        return 2;
    }
    const char *mode = argv[1];
    signal(SIGUSR1, on_usr1);
    printf("ready %d\n", (int)getpid());
    fflush(stdout);
    while (!go)
        pause();
    if (!strcmp(mode, "calls")) {
        for (long i = 0; i < 100; i++)
            sink += gen_add(i, 2);
        for (long i = 0; i < 50; i++)
            sink += gen_mul(i, 3);
        for (int i = 0; i < 30; i++)
            sink += genlib_work(i);
        for (int i = 0; i < 7; i++)
            sink += genlib_other(i);
        for (long i = 0; i < 20; i++)
            DTRACE_PROBE2(genload, tick, i, 1000 + i);
        for (int i = 0; i < 10; i++)
            if (genload_gated_semaphore)
                DTRACE_PROBE1(genload, gated, i);
        for (int i = 0; i < 33; i++)
            sink += getppid();
    } else if (!strcmp(mode, "sleep")) {
        for (int i = 0; i < 14; i++) {
            long long t0 = now_ns();
            gen_sleep(i < 10 ? 5 : 1);
            note("gen_sleep", now_ns() - t0, (i < 10 ? 5 : 1) * 1000000LL);
        }
        for (int i = 0; i < 2; i++) {
            long long t0 = now_ns();
            genlib_sleep(20);
            note("genlib_sleep", now_ns() - t0, 20000000LL);
        }
    } else if (!strcmp(mode, "nested")) {
        for (int i = 0; i < 5; i++)
            sink += gen_rec(3);
    } else if (!strcmp(mode, "slow")) {
        for (long i = 0; i < 20; i++) {
            long long t0 = now_ns();
            sink += slow_call(i % 2 ? 0 : 3, i);
            note("slow_call", now_ns() - t0, i % 2 ? 0 : 3000000LL);
        }
    } else if (!strcmp(mode, "stack")) {
        for (int i = 0; i < 7; i++)
            gen_top();
    } else if (!strcmp(mode, "fork")) {
        for (int i = 0; i < 3; i++) {
            pid_t p = fork();
            if (p == 0)
                _exit(0);
            if (p > 0)
                waitpid(p, NULL, 0);
        }
    } else {
        fprintf(stderr, "genload: unknown mode %s\n", mode);
        return 2;
    }
    for (int i = 0; i < ntook; i++)
        printf("took %s %lld %lld\n", took[i].name, took[i].ns, took[i].min_ns);
    printf("done\n");
    fflush(stdout);
    return 0;
}
