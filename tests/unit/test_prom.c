/* ks_prom: the --prom FILE checks at start, the text format (cumulative log2 buckets,
 * exact decimal seconds, escaping), totals across intervals, and the atomic write. */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ks_prom.h"
#include "ks_test.h"
#include "ks_util.h"

static char *render(void)
{
    struct ks_buf b = {0};
    ks_prom_render(&b);
    return b.s;
}

int main(void)
{
    char dir[] = "/tmp/kscope-prom-test.XXXXXX";
    if (!mkdtemp(dir))
        return 99;
    char path[256], missing[256];
    snprintf(path, sizeof(path), "%s/m.prom", dir);
    snprintf(missing, sizeof(missing), "%s/none/m.prom", dir);

    /* Bad targets: a message each, and nothing enabled. */
    struct ks_buf err = {0};
    CHECK(ks_prom_open(missing, "t", &err) == -1);
    CHECK_CONTAINS(err.s, "does not exist");
    err.len = 0;
    CHECK(ks_prom_open(dir, "t", &err) == -1);
    CHECK_CONTAINS(err.s, "is a directory");
    err.len = 0;
    char slash[300];
    snprintf(slash, sizeof(slash), "%s/", dir);
    CHECK(ks_prom_open(slash, "t", &err) == -1);
    CHECK_CONTAINS(err.s, "give a file name");
    CHECK(!ks_prom_enabled());
    ks_prom_counter("x_total", "x", NULL, 0, 1, false); /* off: ignored */

    CHECK(ks_prom_open(path, "t", &err) == 0);
    CHECK(ks_prom_enabled());

    /* Interval 1: 3 values in slot 2 (2-3 us), 1 in slot 30 (beyond the last bucket). */
    uint64_t slots[65] = {0};
    slots[2] = 3;
    slots[30] = 1;
    struct ks_prom_label l = {"disk", "sda"};
    ks_prom_log2_hist("io_seconds", "I/O", &l, 1, slots, 65, 1000, 12345);
    /* Interval 2: one more in slot 2; the program's sum total grew. */
    uint64_t slots2[65] = {0};
    slots2[2] = 1;
    ks_prom_log2_hist("io_seconds", "I/O", &l, 1, slots2, 65, 1000, 20000);
    char *s = render();
    CHECK_CONTAINS(s, "# HELP kscope_t_io_seconds I/O\n# TYPE kscope_t_io_seconds histogram\n");
    CHECK_CONTAINS(s, "kscope_t_io_seconds_bucket{disk=\"sda\",le=\"0.000001\"} 0\n"
                      "kscope_t_io_seconds_bucket{disk=\"sda\",le=\"0.000002\"} 0\n"
                      "kscope_t_io_seconds_bucket{disk=\"sda\",le=\"0.000004\"} 4\n");
    CHECK_CONTAINS(s, "kscope_t_io_seconds_bucket{disk=\"sda\",le=\"134.217728\"} 4\n"
                      "kscope_t_io_seconds_bucket{disk=\"sda\",le=\"+Inf\"} 5\n"
                      "kscope_t_io_seconds_sum{disk=\"sda\"} 0.00002\n"
                      "kscope_t_io_seconds_count{disk=\"sda\"} 5\n");
    CHECK(!strstr(s, "268.435456")); /* a fixed set of 28 buckets */
    free(s);

    /* Counters: totals, seconds from nanoseconds, label values escaped, help escaped. */
    struct ks_prom_label odd[2] = {{"pid", "7"}, {"comm", "a\"b\\c\nd"}};
    ks_prom_counter("syscall_seconds_total", "time\\in\nsyscalls", odd, 2, 1000000000, true);
    ks_prom_counter("syscall_seconds_total", "time\\in\nsyscalls", odd, 2, 500000000, true);
    ks_prom_counter("syscalls_total", "n", NULL, 0, 2, false);
    ks_prom_counter("syscalls_total", "n", NULL, 0, 3, false);
    s = render();
    CHECK_CONTAINS(s, "# HELP kscope_t_syscall_seconds_total time\\\\in\\nsyscalls\n"
                      "# TYPE kscope_t_syscall_seconds_total counter\n"
                      "kscope_t_syscall_seconds_total{pid=\"7\",comm=\"a\\\"b\\\\c\\nd\"} 1.5\n");
    CHECK_CONTAINS(s, "kscope_t_syscalls_total 5\n");
    /* Families in the order they first appeared. */
    CHECK(strstr(s, "io_seconds") < strstr(s, "syscall_seconds_total"));

    /* The write: the rendered text, readable by node_exporter's user, no temporary left. */
    CHECK(ks_prom_write() == 0);
    char *f = ks_read_file(path, NULL);
    CHECK_STREQ(f, s);
    struct stat st;
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0644);
    int entries = 0;
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));)
        entries += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    if (d)
        closedir(d);
    CHECK(entries == 1);
    free(f);
    free(s);

    /* Many series: the index grows and finds each again. */
    char name[32];
    for (int round = 0; round < 2; round++)
        for (int i = 0; i < 3000; i++) {
            snprintf(name, sizeof(name), "%d", i);
            struct ks_prom_label p = {"pid", name};
            ks_prom_counter("many_total", "m", &p, 1, 1, false);
        }
    s = render();
    CHECK_CONTAINS(s, "kscope_t_many_total{pid=\"0\"} 2\n");
    CHECK_CONTAINS(s, "kscope_t_many_total{pid=\"2999\"} 2\n");
    free(s);

    unlink(path);
    rmdir(dir);
    ks_buf_free(&err);
    return ks_test_done("prom");
}
