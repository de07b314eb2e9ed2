/* ks_record: a tool's output, declared once and rendered in the format the user asked for.
 *
 * A tool declares its record as a table of fields: the JSON name, the type, the text
 * column's header and printf formats exactly as BCC prints them, and the option that turns
 * the column on. Per event it fills one value per field and calls ks_record_emit(); the
 * runtime prints a BCC text line or a JSON Lines object from the same values, so the two
 * cannot drift. Intervals of aggregating tools (count tables, histograms: ks_hist) are one
 * JSON object each. Everything goes to stdout through stdio. Documented in docs/json.md.
 *
 *   enum { F_PID, F_COMM, NF };
 *   static const struct ks_field fields[NF] = {
 *       [F_PID] = {.json = "pid", .type = KS_T_INT, .header = "PID", .hfmt = "%-7s ",
 *                  .fmt = "%-7d "},
 *       [F_COMM] = {.json = "comm", .type = KS_T_STR, .header = "COMM", .hfmt = "%s",
 *                   .fmt = "%s"},
 *   };
 *   static struct ks_record rec = {.fields = fields, .nfields = NF};
 *   ... on_start: ks_record_header(&rec);
 *   ... per event: struct ks_val v[NF] = {[F_PID] = KS_I(pid), [F_COMM] = KS_S(comm)};
 *                  ks_record_emit(&rec, v);
 */
#ifndef KS_RECORD_H
#define KS_RECORD_H

#include <stdbool.h>
#include <stdint.h>

#include "ks_json.h"

enum ks_ftype {
    KS_T_STR,   /* .s, a C string; JSON a string (docs/json.md: invalid UTF-8) */
    KS_T_INT,   /* .i; the format's conversion may be d, i, u, x, o or c */
    KS_T_UINT,  /* .u */
    KS_T_FLOAT, /* .d; the format's conversion is f, e or g */
    KS_T_NS,    /* .u nanoseconds: JSON the integer; text .u / scale through %f */
    KS_T_WALL,  /* .u nanoseconds since the Unix epoch: JSON the integer; text HH:MM:SS */
    KS_T_STRV,  /* .v, .n: strings; JSON an array; text joined by spaces */
};

struct ks_field {
    const char *json; /* JSON member name; NULL: a text-only column */
    enum ks_ftype type;
    const char *header;    /* text column header; NULL: JSON only */
    const char *hfmt;      /* printf format of the header, as BCC's, separators included */
    const char *fmt;       /* printf format of the value, as BCC's, separators included */
    const bool *on;        /* the option that shows the field (NULL: always) */
    const bool *off;       /* the option that hides it (NULL: none) */
    const char *null_text; /* text for a null value, through fmt's width (JSON: null) */
    double scale;          /* KS_T_NS: nanoseconds per text unit (default 1e9: seconds) */
};

struct ks_val {
    union {
        const char *s;
        int64_t i;
        uint64_t u;
        double d;
        const char *const *v;
    };
    uint32_t n; /* KS_T_STRV: number of strings */
    bool null;
};
#define KS_S(x) ((struct ks_val){.s = (x)})
#define KS_I(x) ((struct ks_val){.i = (int64_t)(x)})
#define KS_U(x) ((struct ks_val){.u = (uint64_t)(x)})
#define KS_D(x) ((struct ks_val){.d = (double)(x)})
#define KS_V(x, count) ((struct ks_val){.v = (x), .n = (uint32_t)(count)})
#define KS_NULL ((struct ks_val){.null = true})

struct ks_field_rt; /* the formats, checked and prepared on first use */

struct ks_record {
    const struct ks_field *fields;
    int nfields;
    struct ks_field_rt *rt;
};

/* The output format: text (BCC's) unless --json. Set once by the runtime. */
void ks_out_set_json(bool json);
bool ks_out_json(void);
/* The JSON writer on stdout, for members a tool adds to an interval object. */
struct ks_json *ks_out_writer(void);
/* Text only: lines BCC prints that are not records ("Tracing... Hit Ctrl-C to end."). */
void ks_textf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Text: the header line of the columns that are on. JSON: nothing. */
void ks_record_header(struct ks_record *r);
/* One record: a text line, or a JSON object (a line of its own, or a row of the open table). */
void ks_record_emit(struct ks_record *r, const struct ks_val *v);
/* Whether field i is shown with the options given. */
bool ks_field_on(const struct ks_field *f);

/* Aggregating tools, once per interval (and once at exit):
 *   ks_interval_begin();            JSON: {"time_unix_ns":N      text: nothing
 *   ks_table_begin(&rec, "syscall");     ,"key":"syscall","rows":[  text: the header line
 *   ks_record_emit(&rec, v) ...          {...},{...}            text: one line each
 *   ks_table_end();                      ]
 *   ks_interval_end();              }\n
 * Histograms: ks_hist_begin/ks_hist_emit/ks_hist_end (ks_hist.h) inside an interval. */
void ks_interval_begin(void);
void ks_interval_end(void);
void ks_table_begin(struct ks_record *r, const char *key);
void ks_table_end(void);
/* JSON only (text: nothing): the rows' array under another name (a second table in one
 * interval), with "key" only when key is not NULL. ks_table_begin is (key, "rows"). */
void ks_table_begin_named(struct ks_record *r, const char *key, const char *member);

/* For tests: the text format line (header or values) of the fields that are on. */
void ks_record_formats(struct ks_record *r, char *hfmt, char *fmt, unsigned size);

#endif
