#define _GNU_SOURCE
#include "ks_top.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ks_json.h"
#include "ks_sys.h"
#include "ks_util.h"

bool ks_top_noclear;
long ks_top_maxrows = 20;
const char *ks_top_loadavg_file = "/proc/loadavg";
bool ks_top_force_clear;

long ks_top_interval(long given)
{
    return given > 0 ? given : 1;
}

void ks_top_banner(long interval)
{
    ks_textf("Tracing... Output every %ld secs. Hit Ctrl-C to end\n", interval);
}

void ks_top_begin(bool loadavg)
{
    char *text = loadavg ? ks_read_file(ks_top_loadavg_file, NULL) : NULL;
    ks_interval_begin();
    if (ks_out_json()) {
        double l[3];
        struct ks_json *j = ks_out_writer();
        if (text && sscanf(text, "%lf %lf %lf", &l[0], &l[1], &l[2]) == 3) {
            ks_json_array(j, "loadavg");
            for (int i = 0; i < 3; i++)
                ks_json_double(j, NULL, l[i]);
            ks_json_end(j);
        } else if (loadavg) {
            ks_json_null(j, "loadavg");
        }
    } else {
        /* clear(1)'s bytes on xterm-like terminals: home, erase the screen, erase the
         * scrollback. Not into files or pipes: a blank line there, as with -C. */
        if (!ks_top_noclear && (ks_top_force_clear || isatty(STDOUT_FILENO)))
            fputs("\033[H\033[2J\033[3J", stdout);
        else
            putchar('\n');
        if (loadavg) {
            /* BCC: print("%-8s loadavg: %s" % (strftime("%H:%M:%S"), stats.read())): the
             * file's own newline, then print's. */
            char t[16];
            printf("%-8s loadavg: %s\n", ks_time_str(t, sizeof(t), "%H:%M:%S"),
                   text ? text : "\n");
        }
    }
    free(text);
}

void ks_top_table(const struct ks_top_table *t, void *rows, size_t n)
{
    if (n > 1)
        qsort(rows, n, t->row_size, t->cmp);
    size_t max = n;
    if (t->maxrows && *t->maxrows >= 0 && (size_t)*t->maxrows < max)
        max = (size_t)*t->maxrows;
    if (ks_out_json()) {
        ks_table_begin_named(t->rec, t->member ? NULL : t->key, t->member ? t->member : "rows");
    } else {
        if (t->lead && (n || !t->header_if_rows))
            fputs(t->lead, stdout);
        if (n || !t->header_if_rows)
            ks_record_header(t->rec);
    }
    struct ks_val *v = ks_xcalloc((size_t)t->rec->nfields, sizeof(*v));
    for (size_t i = 0; i < max; i++) {
        memset(v, 0, (size_t)t->rec->nfields * sizeof(*v));
        t->fill((const char *)rows + i * t->row_size, v);
        ks_record_emit(t->rec, v);
    }
    free(v);
    ks_table_end();
}

void ks_top_end(void)
{
    ks_interval_end();
}

void ks_top_detach(void)
{
    ks_textf("Detaching...\n");
}

const char *ks_top_pyfloat(char *buf, size_t size, double x)
{
    if (isnan(x))
        return snprintf(buf, size, "nan"), buf;
    if (isinf(x))
        return snprintf(buf, size, "%sinf", x < 0 ? "-" : ""), buf;
    /* The shortest %e text that reads back as x (Python's repr does the same search). */
    char e[40];
    for (int p = 0; p < 17; p++) {
        snprintf(e, sizeof(e), "%.*e", p, x);
        if (strtod(e, NULL) == x)
            break;
    }
    const char *s = e;
    bool neg = *s == '-';
    if (neg)
        s++;
    char digits[24];
    size_t nd = 0;
    for (; *s && *s != 'e' && nd < sizeof(digits) - 1; s++)
        if (*s >= '0' && *s <= '9')
            digits[nd++] = *s;
    digits[nd] = '\0';
    while (nd > 1 && digits[nd - 1] == '0')
        digits[--nd] = '\0';
    int exp = *s == 'e' ? atoi(s + 1) : 0;
    struct ks_buf b = {0};
    if (neg)
        ks_buf_add(&b, "-");
    if (exp >= -4 && exp < 16) {
        if (exp < 0) {
            ks_buf_add(&b, "0.");
            for (int i = -1; i > exp; i--)
                ks_buf_add(&b, "0");
            ks_buf_add(&b, digits);
        } else {
            for (int i = 0; i <= exp; i++)
                ks_buf_addn(&b, (size_t)i < nd ? &digits[i] : "0", 1);
            ks_buf_add(&b, ".");
            ks_buf_add(&b, (size_t)exp + 1 < nd ? &digits[exp + 1] : "0");
        }
    } else {
        ks_buf_addn(&b, digits, 1);
        if (nd > 1) {
            ks_buf_add(&b, ".");
            ks_buf_add(&b, digits + 1);
        }
        ks_buf_printf(&b, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    }
    snprintf(buf, size, "%s", b.s);
    ks_buf_free(&b);
    return buf;
}
