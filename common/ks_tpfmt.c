#define _GNU_SOURCE
#include "ks_tpfmt.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_features.h"
#include "ks_util.h"

static char *read_format(const char *category, const char *event)
{
    const char *t = ks_tracefs(NULL);
    if (!t)
        return NULL;
    char p[PATH_MAX];
    snprintf(p, sizeof(p), "%s/events/%s/%s/format", t, category, event);
    return ks_read_file(p, NULL);
}

/* Field lines read "\tfield:<type> <name>[N];\toffset:..". */
bool ks_tp_has_field_in(const char *format, const char *field)
{
    size_t len = strlen(field);
    for (const char *l = format; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        const char *f = strstr(l, "field:"), *semi = strchr(l, ';'), *nl = strchr(l, '\n');
        if (!f || !semi || (nl && semi > nl) || f > semi)
            continue;
        const char *end = semi;
        if (end > f && end[-1] == ']') /* an array: name[N] */
            while (end > f && *end != '[')
                end--;
        const char *name = end;
        while (name > f && (isalnum((unsigned char)name[-1]) || name[-1] == '_'))
            name--;
        if ((size_t)(end - name) == len && !strncmp(name, field, len))
            return true;
    }
    return false;
}

bool ks_tp_has_field(const char *category, const char *event, const char *field)
{
    char *text = read_format(category, event);
    bool ok = text && ks_tp_has_field_in(text, field);
    free(text);
    return ok;
}

static const char *skip_space(const char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    return s;
}

int ks_tp_symbols_in(const char *format, const char *field, struct ks_tp_symbols *out)
{
    memset(out, 0, sizeof(*out));
    char head[128];
    snprintf(head, sizeof(head), "__print_symbolic(REC->%s,", field);
    const char *p = strstr(format, head);
    if (!p)
        return -1;
    p += strlen(head);
    /* Entries "{ 2, "NAME" }" separated by commas, up to the closing parenthesis. */
    for (;;) {
        p = skip_space(p);
        if (*p != '{')
            break;
        char *end;
        long v = strtol(skip_space(p + 1), &end, 0);
        const char *q = skip_space(end);
        if (end == skip_space(p + 1) || *q != ',')
            break;
        q = skip_space(q + 1);
        if (*q != '"')
            break;
        const char *close = strchr(q + 1, '"');
        if (!close)
            break;
        out->value = ks_xrealloc(out->value, (size_t)(out->n + 1) * sizeof(*out->value));
        out->name = ks_xrealloc(out->name, (size_t)(out->n + 1) * sizeof(*out->name));
        out->value[out->n] = v;
        out->name[out->n] = strndup(q + 1, (size_t)(close - q - 1));
        if (!out->name[out->n])
            abort();
        out->n++;
        p = skip_space(close + 1);
        if (*p != '}')
            break;
        p = skip_space(p + 1);
        if (*p != ',')
            break;
        p++;
    }
    return out->n ? 0 : -1;
}

int ks_tp_symbols(const char *category, const char *event, const char *field,
                  struct ks_tp_symbols *out)
{
    char *text = read_format(category, event);
    int rc = text ? ks_tp_symbols_in(text, field, out) : (memset(out, 0, sizeof(*out)), -1);
    free(text);
    return rc;
}

const char *ks_tp_symbol(const struct ks_tp_symbols *s, long v)
{
    for (int i = 0; i < s->n; i++)
        if (s->value[i] == v)
            return s->name[i];
    return NULL;
}

void ks_tp_symbols_free(struct ks_tp_symbols *s)
{
    for (int i = 0; i < s->n; i++)
        free(s->name[i]);
    free(s->name);
    free(s->value);
    memset(s, 0, sizeof(*s));
}
