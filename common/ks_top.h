/* ks_top: the top-style screen BCC's biotop, filetop and tcptop print every interval.
 *
 * Text, as BCC prints it: the screen cleared (or, with -C, a blank line), then
 * "HH:MM:SS loadavg: <the text of /proc/loadavg>" and a blank line, then each table: its
 * header and its rows, sorted, at most -r of them. At exit "Detaching...".
 * JSON (--json): one object per interval,
 *   {"time_unix_ns":N,"loadavg":[1m,5m,15m],"key":"pid","rows":[{...},...]}
 * with the same rows (sorted, at most -r), and no screen control.
 *
 * A tool's use of it:
 *   options:    KS_TOP_OPT_NOCLEAR, KS_TOP_OPT_MAXROWS in its table (-C, -r);
 *   configure:  r->opt.interval = ks_top_interval(r->opt.interval);   (BCC's default 1 s)
 *   on_start:   ks_top_banner(r->opt.interval);
 *   on_interval:
 *       ks_top_begin(true);
 *       ks_top_table(&table, rows, nrows);      (sorts rows in place)
 *       ks_top_end();
 *   on_exit:    ks_top_detach();
 * The clear is the terminal's escape sequence (ANSI: home, erase screen, erase scrollback,
 * as clear(1) prints on xterm-like terminals); when stdout is not a terminal the screen is
 * not cleared but separated by a blank line, as with -C, so that files and pipes get no
 * control characters. */
#ifndef KS_TOP_H
#define KS_TOP_H

#include <stdbool.h>
#include <stddef.h>

#include "ks_opts.h"
#include "ks_record.h"

/* -C and -r, BCC's options; -r's default is BCC's 20, and 0 or less is a usage error. */
extern bool ks_top_noclear;
extern long ks_top_maxrows;
#define KS_TOP_OPT_NOCLEAR KS_FLAG('C', "noclear", "don't clear the screen", &ks_top_noclear)
#define KS_TOP_OPT_MAXROWS                                                                   \
    KS_LONG('r', "maxrows", "MAXROWS", "maximum rows to print, default 20", &ks_top_maxrows, \
            1, 100000000)

/* The interval to use: the one given, else BCC's 1 second. */
long ks_top_interval(long given);
/* "Tracing... Output every %d secs. Hit Ctrl-C to end" (text only). */
void ks_top_banner(long interval);

/* One table of the screen. */
struct ks_top_table {
    struct ks_record *rec;
    const char *key;     /* JSON "key": what one row is ("pid", "file"), as ks_table_begin */
    const char *member;  /* JSON name of the rows' array; NULL: "rows" (and "key" is written).
                            A second table on one screen needs a name of its own. */
    const char *lead;    /* text printed before the header (tcptop's "\n"), or NULL */
    bool header_if_rows; /* print the header only when there are rows (tcptop) */
    const long *maxrows; /* at most this many rows (&ks_top_maxrows for -r); NULL: all */
    size_t row_size;     /* the tool's row struct */
    int (*cmp)(const void *a, const void *b); /* qsort order: the first row printed first */
    void (*fill)(const void *row, struct ks_val *v); /* one value per field of rec */
};

/* The screen's top: clear (or a blank line), the loadavg line when loadavg is true.
 * JSON: opens the interval's object, with "loadavg" when asked. */
void ks_top_begin(bool loadavg);
/* A table: rows (n of t->row_size bytes) sorted in place by t->cmp, then printed. */
void ks_top_table(const struct ks_top_table *t, void *rows, size_t n);
/* Ends the screen (JSON: closes the object, one line). */
void ks_top_end(void);
/* "Detaching..." (text only), as BCC's top tools print at exit. */
void ks_top_detach(void);

/* Python's str() of a float (BCC's top tools print a few values with "%s" of a float:
 * biotop's Kbytes is bytes / 1024, "4.0", "0.5"): the shortest text that reads back as
 * the same double, with ".0" for whole numbers and an exponent from 1e16 up. */
const char *ks_top_pyfloat(char *buf, size_t size, double x);

/* For tests: the file read for the loadavg line (default /proc/loadavg), and whether the
 * screen is cleared when stdout is not a terminal. */
extern const char *ks_top_loadavg_file;
extern bool ks_top_force_clear;

#endif
