/* ks_tpfmt: what a tracepoint's format file says on the kernel in use (the running one or
 * a saved profile's): which fields the event has (fields were added over the years, e.g.
 * tcp:tcp_retransmit_skb's state and family), and the names of a field's values from the
 * print fmt's __print_symbolic() table (skb:kfree_skb's drop reasons, which each kernel
 * numbers its own way). */
#ifndef KS_TPFMT_H
#define KS_TPFMT_H

#include <stdbool.h>

/* Does events/<category>/<event>/format have a field of this name? */
bool ks_tp_has_field(const char *category, const char *event, const char *field);
/* The same on a format file's text (tests). */
bool ks_tp_has_field_in(const char *format, const char *field);

/* __print_symbolic(REC->field, { 2, "NOT_SPECIFIED" }, { 3, "NO_SOCKET" }, ...). */
struct ks_tp_symbols {
    int n;
    long *value;
    char **name;
};
/* Parse the table of field from the event's print fmt; 0, or -1 (no format, no table). */
int ks_tp_symbols(const char *category, const char *event, const char *field,
                  struct ks_tp_symbols *out);
int ks_tp_symbols_in(const char *format, const char *field, struct ks_tp_symbols *out);
/* The name of value v, or NULL. */
const char *ks_tp_symbol(const struct ks_tp_symbols *s, long v);
void ks_tp_symbols_free(struct ks_tp_symbols *s);

#endif
