/* genlib: the generic tracers' test library (libgenlib.so): functions a test counts in a
 * shared library of the project's own. */
#include <time.h>

__attribute__((noinline)) int genlib_work(int x)
{
    return x * 3 + 1;
}

__attribute__((noinline)) int genlib_other(int x)
{
    return x - 1;
}

/* Sleeps ms milliseconds. */
__attribute__((noinline)) void genlib_sleep(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}
