/* Unit tests of ks_util (number parsing, strings, files) and ks_opts_parse. Parsing that
 * must end the process (errors: exit 2; --help, --version: exit 0) runs in a child. */
#define _GNU_SOURCE
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_opts.h"
#include "ks_test.h"
#include "ks_util.h"

static void test_parse_long(void)
{
    long v = 12345;
    CHECK(ks_parse_long("0", 0, 10, &v) && v == 0);
    CHECK(ks_parse_long("10", 0, 10, &v) && v == 10);
    CHECK(ks_parse_long("7", 7, 7, &v) && v == 7);
    CHECK(ks_parse_long("-1", -1, 1, &v) && v == -1);
    CHECK(ks_parse_long("007", 0, 10, &v) && v == 7); /* decimal, not octal */
    CHECK(ks_parse_long("2147483647", 0, 0x7fffffff, &v) && v == 2147483647L);
    CHECK(ks_parse_long("9223372036854775807", LONG_MIN, LONG_MAX, &v) && v == LONG_MAX);
    CHECK(ks_parse_long("-9223372036854775808", LONG_MIN, LONG_MAX, &v) && v == LONG_MIN);

    /* Failures leave *out alone. */
    v = 12345;
    CHECK(!ks_parse_long("11", 0, 10, &v));
    CHECK(!ks_parse_long("-1", 0, 10, &v));
    CHECK(!ks_parse_long("6", 7, 7, &v));
    CHECK(!ks_parse_long("", 0, 10, &v));
    CHECK(!ks_parse_long(NULL, 0, 10, &v));
    CHECK(!ks_parse_long("12x", 0, 100, &v));
    CHECK(!ks_parse_long("x12", 0, 100, &v));
    CHECK(!ks_parse_long("0x10", 0, 100, &v));
    CHECK(!ks_parse_long("1e3", 0, 10000, &v));
    CHECK(!ks_parse_long("1.5", 0, 10, &v));
    CHECK(!ks_parse_long("5 ", 0, 10, &v));
    CHECK(!ks_parse_long("-", -10, 10, &v));
    CHECK(!ks_parse_long("2147483648", 0, 0x7fffffff, &v));
    CHECK(!ks_parse_long("9223372036854775808", LONG_MIN, LONG_MAX, &v));
    CHECK(!ks_parse_long("-9223372036854775809", LONG_MIN, LONG_MAX, &v));
    CHECK(!ks_parse_long("99999999999999999999999", 0, LONG_MAX, &v));
    CHECK_INTEQ(v, 12345);
}

static void test_parse_u64(void)
{
    uint64_t u = 42;
    CHECK(ks_parse_u64("0", &u) && u == 0);
    CHECK(ks_parse_u64("18446744073709551615", &u) && u == UINT64_MAX);
    CHECK(ks_parse_u64("4096", &u) && u == 4096);
    u = 42;
    CHECK(!ks_parse_u64("18446744073709551616", &u));
    CHECK(!ks_parse_u64("-1", &u));
    /* strtoull() skips leading blanks and then negates "-1" to 2^64-1: still negative. */
    CHECK(!ks_parse_u64(" -1", &u));
    CHECK(!ks_parse_u64("\t-5", &u));
    CHECK(!ks_parse_u64("", &u));
    CHECK(!ks_parse_u64(NULL, &u));
    CHECK(!ks_parse_u64("12x", &u));
    CHECK(!ks_parse_u64("x", &u));
    CHECK(u == 42);
}

static void test_strings_files(void)
{
    struct ks_buf b = {0};
    ks_buf_add(&b, "");
    CHECK(b.s && b.len == 0 && b.s[0] == '\0');
    ks_buf_add(&b, "abc");
    ks_buf_addn(&b, "defXYZ", 3);
    ks_buf_printf(&b, "-%d-%s", 42, "x");
    CHECK_STREQ(b.s, "abcdef-42-x");
    CHECK_INTEQ(b.len, strlen("abcdef-42-x"));
    /* growth well past the first allocation */
    for (int i = 0; i < 1000; i++)
        ks_buf_printf(&b, "%04d", i);
    CHECK_INTEQ(b.len, 11 + 4000);
    CHECK(!strncmp(b.s + b.len - 4, "0999", 4));
    CHECK(b.s[b.len] == '\0');
    ks_buf_free(&b);
    CHECK(b.s == NULL && b.len == 0 && b.cap == 0);
    ks_buf_free(&b); /* twice is fine */

    char p[64];
    CHECK_STREQ(ks_join(p, sizeof(p), NULL, "/sys/kernel"), "/sys/kernel");
    CHECK_STREQ(ks_join(p, sizeof(p), "", "/sys/kernel"), "/sys/kernel");
    CHECK_STREQ(ks_join(p, sizeof(p), "/tmp/root", "/sys/kernel"), "/tmp/root/sys/kernel");

    char *dir = ks_test_tmpdir();
    char big[10000];
    memset(big, 'k', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    ks_test_write(dir, "big", big);
    ks_test_write(dir, "empty", "");
    ks_test_mkdirs(dir, "sub");
    char f[PATH_MAX];
    size_t len = 1;
    char *text = ks_read_file(ks_test_path(f, sizeof(f), dir, "big"), &len);
    CHECK(text != NULL);
    CHECK_INTEQ(len, sizeof(big) - 1);
    CHECK(text && strlen(text) == sizeof(big) - 1);
    free(text);
    text = ks_read_file(ks_test_path(f, sizeof(f), dir, "empty"), &len);
    CHECK(text && len == 0 && text[0] == '\0');
    free(text);
    CHECK(ks_read_file(ks_test_path(f, sizeof(f), dir, "missing"), NULL) == NULL);
    CHECK(ks_is_file(ks_test_path(f, sizeof(f), dir, "big")));
    CHECK(!ks_is_dir(f));
    CHECK(ks_is_dir(ks_test_path(f, sizeof(f), dir, "sub")));
    CHECK(!ks_is_file(f));
    CHECK(ks_path_exists(f));
    CHECK(!ks_path_exists(ks_test_path(f, sizeof(f), dir, "missing")));
    ks_test_rmrf(dir);
    free(dir);

    ks_set_prog("/usr/share/kscope/tools/execsnoop");
    CHECK_STREQ(ks_prog, "execsnoop");
    ks_set_prog("opensnoop");
    CHECK_STREQ(ks_prog, "opensnoop");

    uint64_t a = ks_now_ns(), c = ks_now_ns();
    CHECK(c >= a);
    CHECK(ks_wall_ns() > 1500000000ull * 1000000000ull); /* after 2017 */
}

/* ---- ks_opts_parse ------------------------------------------------------------------- */

static bool o_time;
static long o_max_args = 20, o_small;
static const char *o_name;
static long o_even_sum;

static bool parse_even(const char *arg, void *dest)
{
    long v;
    if (!ks_parse_long(arg, 0, 100, &v) || v % 2)
        return false;
    *(long *)dest += v;
    return true;
}

static const struct ks_opt opts[] = {
    KS_FLAG('T', "time", "include a time column", &o_time),
    KS_LONG(0, "max-args", "MAX_ARGS", "maximum number of arguments", &o_max_args, 1, 64),
    KS_STR('n', "name", "NAME", "only this name", &o_name),
    KS_FUNC('e', "even", "EVEN", "an even number (repeatable)", &o_even_sum, parse_even),
    KS_LONG(0, "small", "SMALL", "a small number", &o_small, -5, 5),
    KS_OPT_END,
};

static const struct ks_opts_spec spec = {
    .name = "unittool",
    .description = "A tool for unit tests.",
    .examples = "  unittool -T      # with times\n",
    .opts = opts,
    .common = KS_C_PID | KS_C_DURATION | KS_C_BUFFER | KS_C_INTERVAL,
    .default_pages = 32,
};

static int count_args(char **argv)
{
    int n = 0;
    while (argv[n])
        n++;
    return n;
}

static void parse(char **argv, struct ks_common *c)
{
    o_time = false;
    o_max_args = 20;
    o_small = 0;
    o_name = NULL;
    o_even_sum = 0;
    optind = 0; /* full getopt reset between parses in one process */
    ks_opts_parse(&spec, count_args(argv), argv, c);
}

static void child_parse(void *arg)
{
    struct ks_common c;
    parse(arg, &c);
    printf("PARSED\n");
}

/* Runs the parse in a child: its exit status and everything it printed. */
static int run(char **argv, char **out)
{
    return ks_test_run_child(child_parse, argv, out);
}

#define ARGV(...) ((char *[]){"unittool", __VA_ARGS__, NULL})

static bool printable(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x7f || ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t'))
            return false;
    return true;
}

static void expect_usage_error(char **argv, const char *message, int line)
{
    char *out = NULL;
    int st = run(argv, &out);
    int before = ks_test_failures;
    CHECK_INTEQ(st, 2);
    CHECK_CONTAINS(out, message);
    CHECK_CONTAINS(out, "unittool: ");
    CHECK_CONTAINS(out, "Try 'unittool --help' for more information.");
    CHECK_NOT_CONTAINS(out, "PARSED");
    CHECK(printable(out));
    if (ks_test_failures != before) {
        fprintf(stderr, "  (for the arguments at %s:%d:", __FILE__, line);
        for (int i = 1; argv[i]; i++)
            fprintf(stderr, " '%s'", argv[i]);
        fprintf(stderr, ")\n");
    }
    free(out);
}
#define USAGE_ERROR(msg, ...) expect_usage_error(ARGV(__VA_ARGS__), msg, __LINE__)

static void test_opts_values(void)
{
    struct ks_common c;
    char *none[] = {"unittool", NULL};
    parse(none, &c);
    CHECK_INTEQ(c.pid, -1);
    CHECK_INTEQ(c.pages, 32);
    CHECK(!c.pages_set);
    CHECK_INTEQ(c.events, KS_EVENTS_AUTO);
    CHECK_INTEQ(c.duration, 0);
    CHECK_INTEQ(c.interval, 0);
    CHECK_INTEQ(c.count, 0);
    CHECK_INTEQ(c.verbose, 0);
    CHECK_INTEQ(c.probe_mode, KS_MODE_AUTO);
    CHECK(!c.ebpf && !c.no_cache && !c.kernel_headers && !c.cache_dir);
    CHECK(!o_time && o_max_args == 20 && !o_name);

    parse(ARGV("-T", "--max-args", "7", "-n", "bash", "-e", "4", "--even=6", "--small=-3", "-p",
               "123", "-d", "5", "-b", "128", "-v", "-v", "--ebpf", "--probe=kprobe",
               "--kernel-headers", "/kh", "--cache-dir=/cache", "--no-cache", "2", "3"),
          &c);
    CHECK(o_time);
    CHECK_INTEQ(o_max_args, 7);
    CHECK_STREQ(o_name, "bash");
    CHECK_INTEQ(o_even_sum, 10);
    CHECK_INTEQ(o_small, -3);
    CHECK_INTEQ(c.pid, 123);
    CHECK_INTEQ(c.duration, 5);
    CHECK_INTEQ(c.pages, 128);
    CHECK(c.pages_set);
    CHECK_INTEQ(c.verbose, 2);
    CHECK_INTEQ(ks_verbose, 2);
    CHECK(c.ebpf);
    CHECK_INTEQ(c.probe_mode, KS_MODE_KPROBE);
    CHECK_STREQ(c.kernel_headers, "/kh");
    CHECK_STREQ(c.cache_dir, "/cache");
    CHECK(c.no_cache);
    CHECK_INTEQ(c.interval, 2);
    CHECK_INTEQ(c.count, 3);

    /* Long forms of the shared options, "--" before positionals, and the bounds. */
    parse(ARGV("--time", "--name=x", "--pid=0", "--duration", "1", "--buffer-pages=65536",
               "--probe", "tracepoint", "--max-args=64", "--small", "5", "--", "1"),
          &c);
    CHECK(o_time);
    CHECK_STREQ(o_name, "x");
    CHECK_INTEQ(c.pid, 0);
    CHECK_INTEQ(c.duration, 1);
    CHECK_INTEQ(c.pages, 65536);
    CHECK_INTEQ(c.probe_mode, KS_MODE_TRACEPOINT);
    parse(ARGV("--events=perf"), &c);
    CHECK_INTEQ(c.events, KS_EVENTS_PERF);
    parse(ARGV("--events", "ringbuf"), &c);
    CHECK_INTEQ(c.events, KS_EVENTS_RINGBUF);
    parse(ARGV("--events=auto"), &c);
    CHECK_INTEQ(c.events, KS_EVENTS_AUTO);
    parse(ARGV("--time", "--name=x", "--pid=0", "--duration", "1", "--buffer-pages=65536",
               "--probe", "tracepoint", "--max-args=64", "--small", "5", "--", "1"),
          &c);
    CHECK_INTEQ(o_max_args, 64);
    CHECK_INTEQ(o_small, 5);
    CHECK_INTEQ(c.interval, 1);
    CHECK_INTEQ(c.count, 0);
    CHECK_INTEQ(c.verbose, 0);
    CHECK_INTEQ(ks_verbose, 0);

    /* Options may follow positional arguments (as with argparse); "--" ends them. */
    parse(ARGV("1", "-T", "2", "--max-args=3"), &c);
    CHECK(o_time);
    CHECK_INTEQ(o_max_args, 3);
    CHECK_INTEQ(c.interval, 1);
    CHECK_INTEQ(c.count, 2);

    /* Short options grouped, and an attached value. */
    parse(ARGV("-vTp42", "-b1"), &c);
    CHECK_INTEQ(c.verbose, 1);
    CHECK(o_time);
    CHECK_INTEQ(c.pid, 42);
    CHECK_INTEQ(c.pages, 1);
    ks_verbose = 0;
}

static void test_opts_errors(void)
{
    USAGE_ERROR("invalid PID 'abc'", "-p", "abc");
    USAGE_ERROR("invalid event buffer kind 'fast' (use auto, ringbuf or perf)", "--events=fast");
    USAGE_ERROR("invalid PID '-1'", "-p", "-1");
    USAGE_ERROR("invalid PID '2147483648'", "--pid=2147483648");
    USAGE_ERROR("invalid duration '0'", "-d", "0");
    USAGE_ERROR("invalid buffer page count '0'", "-b", "0");
    USAGE_ERROR("invalid buffer page count '3' (must be a power of two)", "-b", "3");
    USAGE_ERROR("invalid buffer page count '131072'", "-b", "131072");
    USAGE_ERROR("invalid MAX_ARGS '0'", "--max-args", "0");
    USAGE_ERROR("invalid MAX_ARGS '65'", "--max-args=65");
    USAGE_ERROR("invalid MAX_ARGS 'many'", "--max-args", "many");
    USAGE_ERROR("invalid SMALL '6'", "--small=6");
    USAGE_ERROR("invalid EVEN '3'", "-e", "3");
    USAGE_ERROR("invalid EVEN '3'", "-e", "2", "--even", "3");
    USAGE_ERROR("invalid probe mode 'bogus' (use auto, tracepoint or kprobe)", "--probe=bogus");
    USAGE_ERROR("invalid probe mode ''", "--probe=");
    USAGE_ERROR("unrecognized option '--bogus'", "--bogus");
    USAGE_ERROR("unrecognized option '-Z'", "-Z");
    USAGE_ERROR("unrecognized option '-Z'", "-TZ");
    USAGE_ERROR("option '-d' needs a value", "-d");
    USAGE_ERROR("option '--name' needs a value", "--name");
    USAGE_ERROR("option '--probe' needs a value", "--probe");
    USAGE_ERROR("unexpected argument '3'", "1", "2", "3");
    USAGE_ERROR("unexpected argument '3'", "1", "-T", "2", "3");
    USAGE_ERROR("invalid count '-T'", "1", "--", "-T");
    USAGE_ERROR("unrecognized option '--bogus'", "1", "--bogus");
    USAGE_ERROR("invalid interval '0'", "0");
    USAGE_ERROR("invalid interval 'x'", "x");
    USAGE_ERROR("invalid count '0'", "1", "0");
    /* A value given to an option that takes none: the message names the option as typed
     * (getopt reports the option's internal code in optopt, which is not a character). */
    USAGE_ERROR("'--ebpf", "--ebpf=1");
    USAGE_ERROR("'--no-cache", "--no-cache=yes");
    USAGE_ERROR("option", "--time=5");
}

static void child_help(void *arg)
{
    (void)arg;
    struct ks_common c;
    parse(ARGV("-h"), &c);
    printf("PARSED\n");
}

static void child_version(void *arg)
{
    (void)arg;
    struct ks_common c;
    parse(ARGV("-T", "--version"), &c);
    printf("PARSED\n");
}

static void test_opts_help_version(void)
{
    char *out = NULL;
    CHECK_INTEQ(ks_test_run_child(child_help, NULL, &out), 0);
    CHECK(!strncmp(out, "usage: unittool [options] [interval [count]]\n", 45));
    CHECK_CONTAINS(out, "A tool for unit tests.");
    CHECK_CONTAINS(out, "-h, --help");
    CHECK_CONTAINS(out, "-T, --time");
    CHECK_CONTAINS(out, "--max-args MAX_ARGS");
    CHECK_CONTAINS(out, "-n, --name NAME");
    CHECK_CONTAINS(out, "-p, --pid PID");
    CHECK_CONTAINS(out, "-d, --duration SECONDS");
    CHECK_CONTAINS(out, "-b, --buffer-pages N");
    CHECK_CONTAINS(out, "64 with the BPF ring buffer, 32 with perf buffers");
    CHECK_CONTAINS(out, "--events KIND");
    CHECK_CONTAINS(out, "--probe MODE");
    CHECK_CONTAINS(out, "--kernel-headers DIR");
    CHECK_CONTAINS(out, "--version");
    CHECK_CONTAINS(out, "examples:\n  unittool -T");
    CHECK_NOT_CONTAINS(out, "PARSED");
    free(out);

    CHECK_INTEQ(ks_test_run_child(child_version, NULL, &out), 0);
    CHECK(!strncmp(out, "unittool (kscope) " KS_VERSION ", libbcc ", 18 + strlen(KS_VERSION) + 9));
    CHECK_NOT_CONTAINS(out, "PARSED");
    free(out);
}

int main(void)
{
    test_parse_long();
    test_parse_u64();
    test_strings_files();
    ks_set_prog("unittool");
    test_opts_values();
    test_opts_errors();
    test_opts_help_version();
    return ks_test_done("unit-util");
}
