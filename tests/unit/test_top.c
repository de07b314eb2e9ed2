/* ks_top: BCC's top screen byte for byte (blank line or clear, the loadavg line, the
 * header, rows sorted and cut at -r), the same rows as one JSON object per interval, and
 * Python's str() of floats. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ks_record.h"
#include "ks_test.h"
#include "ks_top.h"
#include "ks_util.h"

struct row {
    unsigned pid;
    const char *comm;
    unsigned long long bytes;
};

enum { F_PID, F_COMM, F_KB, F_BYTES, NF };
static const struct ks_field fields[NF] = {
    [F_PID] = {.json = "pid", .type = KS_T_UINT, .header = "PID", .hfmt = "%-7s ",
               .fmt = "%-7d "},
    [F_COMM] = {.json = "comm", .type = KS_T_STR, .header = "COMM", .hfmt = "%-16s ",
                .fmt = "%-16s "},
    [F_KB] = {.type = KS_T_STR, .header = "Kbytes", .hfmt = "%7s", .fmt = "%7s"},
    [F_BYTES] = {.json = "bytes", .type = KS_T_UINT},
};
static struct ks_record rec = {.fields = fields, .nfields = NF};

static int by_bytes(const void *a, const void *b)
{
    const struct row *x = a, *y = b;
    if (x->bytes != y->bytes)
        return x->bytes < y->bytes ? 1 : -1;
    return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static char kb[8][32];
static int nkb;
static void fill(const void *p, struct ks_val *v)
{
    const struct row *r = p;
    char *k = kb[nkb++ % 8];
    v[F_PID] = KS_U(r->pid);
    v[F_COMM] = KS_S(r->comm);
    v[F_KB] = KS_S(ks_top_pyfloat(k, 32, (double)r->bytes / 1024));
    v[F_BYTES] = KS_U(r->bytes);
}

static const struct ks_top_table table = {
    .rec = &rec, .key = "pid", .maxrows = &ks_top_maxrows, .row_size = sizeof(struct row),
    .cmp = by_bytes, .fill = fill};

static char g_path[] = "/tmp/ks-test-top.XXXXXX";

static char *captured(void)
{
    fflush(stdout);
    char *s = ks_read_file(g_path, NULL);
    if (ftruncate(1, 0) != 0 || lseek(1, 0, SEEK_SET) != 0)
        abort();
    return s ? s : ks_xstrdup("(unreadable)");
}

/* "HH:MM:SS" at the start of s, digits and colons. */
static bool clock_at(const char *s)
{
    for (int i = 0; i < 8; i++)
        if (i == 2 || i == 5 ? s[i] != ':' : (s[i] < '0' || s[i] > '9'))
            return false;
    return true;
}

static void screen(struct row *rows, size_t n)
{
    ks_top_begin(true);
    ks_top_table(&table, rows, n);
    ks_top_end();
}

int main(void)
{
    int fd = mkstemp(g_path);
    if (fd < 0 || !freopen(g_path, "w", stdout))
        return 99;
    close(fd);
    setvbuf(stdout, NULL, _IONBF, 0);
    char *dir = ks_test_tmpdir();
    ks_test_write(dir, "loadavg", "0.52 0.58 0.59 3/245 12345\n");
    char la[4096];
    ks_top_loadavg_file = ks_test_path(la, sizeof(la), dir, "loadavg");

    struct row rows[] = {{10, "small", 512},   {11, "big", 1 << 20}, {12, "mid", 4096},
                         {13, "tie-b", 4096},  {9, "tie-a", 4096}};
    size_t n = sizeof(rows) / sizeof(rows[0]);
    char *s;

    /* -C (or not a terminal): a blank line, BCC's loadavg line and blank line, the header,
     * rows by bytes descending (ties by pid), Kbytes as Python prints bytes / 1024. */
    ks_top_noclear = true;
    screen(rows, n);
    s = captured();
    CHECK(s[0] == '\n' && clock_at(s + 1));
    CHECK_STREQ(s + 9, " loadavg: 0.52 0.58 0.59 3/245 12345\n\n"
                       "PID     COMM              Kbytes\n"
                       "11      big               1024.0\n"
                       "9       tie-a                4.0\n"
                       "12      mid                  4.0\n"
                       "13      tie-b                4.0\n"
                       "10      small                0.5\n");
    free(s);

    /* -r 2; without -C and with a terminal: clear(1)'s bytes, then the same screen. */
    ks_top_noclear = false;
    ks_top_force_clear = true;
    ks_top_maxrows = 2;
    screen(rows, n);
    s = captured();
    CHECK(!strncmp(s, "\033[H\033[2J\033[3J", 11) && clock_at(s + 11));
    CHECK_CONTAINS(s, "Kbytes\n11      big               1024.0\n9       tie-a                4.0\n");
    CHECK_NOT_CONTAINS(s, "mid");
    free(s);
    ks_top_force_clear = false;

    /* Not a terminal and no -C: no control bytes, a blank line instead. */
    screen(rows, 1);
    s = captured();
    CHECK(s[0] == '\n' && !strchr(s, '\033'));
    free(s);

    /* tcptop's second table: a lead line and a header only when there are rows. */
    struct ks_top_table t2 = table;
    t2.lead = "\n";
    t2.header_if_rows = true;
    t2.maxrows = NULL;
    t2.member = "rows_v6";
    ks_top_begin(false);
    ks_top_table(&t2, rows, 0);
    ks_top_end();
    s = captured();
    CHECK_STREQ(s, "\n");
    free(s);
    ks_top_begin(false);
    ks_top_table(&t2, rows, n);
    ks_top_end();
    s = captured();
    CHECK(!strncmp(s, "\n\nPID ", 6));
    CHECK_CONTAINS(s, "10      small                0.5\n");
    free(s);

    /* JSON: one object per interval, the same rows (sorted, at most -r), numbers as such. */
    ks_out_set_json(true);
    ks_top_maxrows = 3;
    screen(rows, n);
    s = captured();
    CHECK(!strncmp(s, "{\"time_unix_ns\":", 16));
    CHECK_CONTAINS(s, ",\"loadavg\":[0.52,0.58,0.59],\"key\":\"pid\",\"rows\":["
                      "{\"pid\":11,\"comm\":\"big\",\"bytes\":1048576},"
                      "{\"pid\":9,\"comm\":\"tie-a\",\"bytes\":4096},"
                      "{\"pid\":12,\"comm\":\"mid\",\"bytes\":4096}]}\n");
    CHECK(strchr(s, '\n') == s + strlen(s) - 1); /* one line */
    free(s);
    /* Two tables in one object: the second under its own name. */
    ks_top_begin(false);
    ks_top_table(&table, rows, 1);
    ks_top_table(&t2, rows, 1);
    ks_top_end();
    s = captured();
    CHECK_CONTAINS(s, "\"key\":\"pid\",\"rows\":[{\"pid\":");
    CHECK_CONTAINS(s, "}],\"rows_v6\":[{\"pid\":");
    CHECK_NOT_CONTAINS(s, "loadavg");
    free(s);
    ks_top_detach();
    s = captured();
    CHECK_STREQ(s, "");
    free(s);
    ks_out_set_json(false);
    ks_top_detach();
    s = captured();
    CHECK_STREQ(s, "Detaching...\n");
    free(s);
    CHECK_INTEQ(ks_top_interval(0), 1);
    CHECK_INTEQ(ks_top_interval(5), 5);

    /* Python's str(float), from python3 -c 'print(repr(x))'. */
    static const struct {
        double x;
        const char *py;
    } vec[] = {
        {4.0, "4.0"},
        {0.5, "0.5"},
        {0.0, "0.0"},
        {-0.0, "-0.0"},
        {1234.5, "1234.5"},
        {1.0 / 1024, "0.0009765625"},
        {0.1, "0.1"},
        {1.0 / 3, "0.3333333333333333"},
        {0.0001, "0.0001"},
        {0.00001, "1e-05"},
        {2.5e-7, "2.5e-07"},
        {1e15, "1000000000000000.0"},
        {1e16, "1e+16"},
        {1.5e20, "1.5e+20"},
        {123456789.125, "123456789.125"},
        {-7.25, "-7.25"},
        {8388607.5, "8388607.5"},
    };
    for (size_t i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
        char b[64];
        CHECK_STREQ(ks_top_pyfloat(b, sizeof(b), vec[i].x), vec[i].py);
    }
    ks_test_rmrf(dir);
    free(dir);
    unlink(g_path);
    return ks_test_done("top");
}
