/* ks_record: one declaration, two renderings. Text must be what printf with BCC's formats
 * prints; JSON the raw values; options turn fields on and off; nulls have both forms. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ks_hist.h"
#include "ks_record.h"
#include "ks_test.h"
#include "ks_util.h"

static bool opt_uid, opt_tid;
enum { F_TS, F_UID, F_PID, F_TID, F_COMM, F_FD, F_FLAGS, F_ARGS, NF };
static const struct ks_field fields[NF] = {
    [F_TS] = {.json = "elapsed_ns",
              .type = KS_T_NS,
              .header = "TIME(s)",
              .hfmt = "%-14s",
              .fmt = "%-14.9f"},
    [F_UID] = {.json = "uid",
               .type = KS_T_UINT,
               .header = "UID",
               .hfmt = "%-6s",
               .fmt = "%-6d",
               .on = &opt_uid},
    [F_PID] = {.json = "pid",
               .type = KS_T_UINT,
               .header = "PID",
               .hfmt = "%-6s ",
               .fmt = "%-6d ",
               .off = &opt_tid},
    [F_TID] = {.json = "tid",
               .type = KS_T_UINT,
               .header = "TID",
               .hfmt = "%-6s ",
               .fmt = "%-6d ",
               .on = &opt_tid},
    [F_COMM] =
        {.json = "comm", .type = KS_T_STR, .header = "COMM", .hfmt = "%-16s ", .fmt = "%-16s "},
    [F_FD] = {.json = "fd",
              .type = KS_T_INT,
              .header = "FD",
              .hfmt = "%4s ",
              .fmt = "%4d ",
              .null_text = "-1"},
    [F_FLAGS] =
        {.json = "flags", .type = KS_T_UINT, .header = "FLAGS", .hfmt = "%-9s", .fmt = "%08o "},
    [F_ARGS] = {.json = "args", .type = KS_T_STRV},
};
static struct ks_record rec = {.fields = fields, .nfields = NF};

static char g_path[] = "/tmp/ks-test-record.XXXXXX";

/* Everything stdout received since the last call. */
static char *captured(void)
{
    fflush(stdout);
    char *s = ks_read_file(g_path, NULL);
    if (ftruncate(1, 0) != 0 || lseek(1, 0, SEEK_SET) != 0) abort();
    return s ? s : ks_xstrdup("(unreadable)");
}

int main(void)
{
    int fd = mkstemp(g_path);
    if (fd < 0 || !freopen(g_path, "w", stdout)) return 99;
    close(fd);
    setvbuf(stdout, NULL, _IONBF, 0);
    static const char *args[] = {"/bin/ls", "-l", "\xff"};
    struct ks_val v[NF] = {
        [F_TS] = KS_U(1500000000ull), [F_UID] = KS_U(1000),     [F_PID] = KS_U(42),
        [F_TID] = KS_U(43),           [F_COMM] = KS_S("cat"),   [F_FD] = KS_NULL,
        [F_FLAGS] = KS_U(0100002),    [F_ARGS] = KS_V(args, 3),
    };
    char *s;

    ks_record_header(&rec);
    ks_record_emit(&rec, v);
    s = captured();
    char want[512];
    snprintf(want, sizeof(want), "%-14s%-6s %-16s %4s %-9s\n%-14.9f%-6d %-16s %4s %08o \n",
             "TIME(s)", "PID", "COMM", "FD", "FLAGS", 1.5, 42, "cat", "-1", 0100002);
    CHECK_STREQ(s, want);
    free(s);

    opt_uid = opt_tid = true;
    v[F_FD] = KS_I(3);
    ks_record_emit(&rec, v);
    s = captured();
    snprintf(want, sizeof(want), "%-14.9f%-6d%-6d %-16s %4d %08o \n", 1.5, 1000, 43, "cat", 3,
             0100002);
    CHECK_STREQ(s, want);
    free(s);

    char hfmt[256], fmt[256];
    ks_record_formats(&rec, hfmt, fmt, sizeof(hfmt));
    CHECK_STREQ(hfmt, "%-14s%-6s%-6s %-16s %4s %-9s\n");
    CHECK_STREQ(fmt, "%-14.9f%-6d%-6d %-16s %4d %08o \n");

    ks_out_set_json(true);
    ks_record_header(&rec); /* nothing in JSON */
    ks_record_emit(&rec, v);
    opt_uid = opt_tid = false;
    v[F_FD] = KS_NULL;
    ks_record_emit(&rec, v);
    s = captured();
    CHECK_STREQ(s, "{\"elapsed_ns\":1500000000,\"uid\":1000,\"tid\":43,\"comm\":\"cat\",\"fd\":3,"
                   "\"flags\":32770,\"args\":[\"/bin/ls\",\"-l\",\"\\ufffd\"]}\n"
                   "{\"elapsed_ns\":1500000000,\"pid\":42,\"comm\":\"cat\",\"fd\":null,"
                   "\"flags\":32770,\"args\":[\"/bin/ls\",\"-l\",\"\\ufffd\"]}\n");
    free(s);

    /* A count table and a histogram, each one object per interval. */
    ks_interval_begin();
    ks_table_begin(&rec, "pid");
    ks_record_emit(&rec, v);
    ks_table_end();
    ks_interval_end();
    uint64_t vals[KS_LOG2_SLOTS] = {0, 2, 0, 5};
    ks_interval_begin();
    ks_hist_begin("usecs", "disk");
    ks_hist_emit("sda", vals, KS_LOG2_SLOTS);
    ks_hist_end();
    ks_interval_end();
    s = captured();
    CHECK_CONTAINS(s, ",\"key\":\"pid\",\"rows\":[{\"elapsed_ns\":1500000000,\"pid\":42,");
    CHECK_CONTAINS(s, "]}]}\n{\"time_unix_ns\":");
    CHECK_CONTAINS(s, ",\"unit\":\"usecs\",\"section\":\"disk\",\"histograms\":[{\"disk\":\"sda\","
                      "\"buckets\":[{\"low\":0,\"high\":1,\"count\":2},{\"low\":2,\"high\":3,"
                      "\"count\":0},{\"low\":4,\"high\":7,\"count\":5}]}]}\n");
    CHECK(s[0] == '{' && s[strlen(s) - 1] == '\n');
    free(s);

    /* Text mode: ks_textf prints, the interval frame prints nothing. */
    ks_out_set_json(false);
    ks_interval_begin();
    ks_textf("[%s]\n", "12:00:00");
    ks_hist_begin("usecs", "disk");
    ks_hist_emit("sda", vals, KS_LOG2_SLOTS);
    ks_hist_end();
    ks_interval_end();
    s = captured();
    CHECK_CONTAINS(s,
                   "[12:00:00]\n\ndisk = sda\n     usecs               : count     distribution\n");
    CHECK_CONTAINS(
        s, "         4 -> 7          : 5        |****************************************|\n");
    free(s);
    ks_out_set_json(true);
    ks_textf("never\n");
    s = captured();
    CHECK_STREQ(s, "");
    free(s);
    /* Text without printf (the common formats): byte for byte what printf prints, for
     * widths, '-', signs, the extremes, nulls and over-wide values. */
    ks_out_set_json(false);
    static const char *ifmts[] = {"%d", "%-6d ", "%6d", "x=%i;", "%u", "%-5u|", "%3d "};
    static const int64_t ivals[] = {0, 7, -1, -123456, INT64_MIN, INT64_MAX, 1234567};
    for (size_t k = 0; k < sizeof(ifmts) / sizeof(ifmts[0]); k++) {
        for (int t = 0; t < 2; t++) {
            struct ks_field f1 = {.json = "v", .type = t ? KS_T_UINT : KS_T_INT, .header = "V",
                                  .hfmt = "%s", .fmt = ifmts[k], .null_text = "n/a"};
            struct ks_record r1 = {.fields = &f1, .nfields = 1};
            char wide[32], w2[600] = "", one[128];
            /* the format as the slow path widens it */
            const char *c = strpbrk(ifmts[k] + 1, "diu");
            snprintf(wide, sizeof(wide), "%.*sll%s", (int)(c - ifmts[k]), ifmts[k], c);
            for (size_t i = 0; i < sizeof(ivals) / sizeof(ivals[0]); i++) {
                struct ks_val v1 = KS_I(ivals[i]);
                ks_record_emit(&r1, &v1);
                snprintf(one, sizeof(one), wide, (long long)ivals[i]);
                strcat(w2, one);
                strcat(w2, "\n");
            }
            struct ks_val vn = KS_NULL;
            ks_record_emit(&r1, &vn);
            s = captured();
            /* the null line: the null text through the same width, as a string */
            char nfmt[32];
            snprintf(nfmt, sizeof(nfmt), "%.*ss%s", (int)(c - ifmts[k]), ifmts[k], c + 1);
            snprintf(one, sizeof(one), nfmt, "n/a");
            strcat(w2, one);
            strcat(w2, "\n");
            CHECK_STREQ(s, w2);
            free(s);
            free(r1.rt);
        }
    }
    static const char *sfmts[] = {"%s", "%-16s ", "%5s", "[%-3s]"};
    static const char *svals[] = {"", "cat", "a-name-longer-than-any-width"};
    for (size_t k = 0; k < sizeof(sfmts) / sizeof(sfmts[0]); k++) {
        struct ks_field f1 = {.json = "v", .type = KS_T_STR, .header = "V", .hfmt = "%s",
                              .fmt = sfmts[k]};
        struct ks_record r1 = {.fields = &f1, .nfields = 1};
        char w2[600] = "", one[128];
        for (size_t i = 0; i < sizeof(svals) / sizeof(svals[0]); i++) {
            struct ks_val v1 = KS_S(svals[i]);
            ks_record_emit(&r1, &v1);
            snprintf(one, sizeof(one), sfmts[k], svals[i]);
            strcat(w2, one);
            strcat(w2, "\n");
        }
        struct ks_val vn = KS_NULL;
        ks_record_emit(&r1, &vn);
        snprintf(one, sizeof(one), sfmts[k], "-");
        strcat(w2, one);
        strcat(w2, "\n");
        s = captured();
        CHECK_STREQ(s, w2);
        free(s);
        free(r1.rt);
    }
    unlink(g_path);
    return ks_test_done("record");
}
