#define _GNU_SOURCE
#include "ks_sched.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_features.h"
#include "ks_util.h"

/* A small evaluator for the constant expressions of print formats: integers (decimal or
 * hex), ( ), +, -, <<, |, &. Precedence as in C. */
struct ev {
    const char *s;
    bool bad;
};

static void skip(struct ev *e)
{
    while (*e->s == ' ')
        e->s++;
}

static uint64_t ev_or(struct ev *e);

static uint64_t ev_primary(struct ev *e)
{
    skip(e);
    if (*e->s == '(') {
        e->s++;
        uint64_t v = ev_or(e);
        skip(e);
        if (*e->s != ')')
            e->bad = true;
        else
            e->s++;
        return v;
    }
    char *end;
    uint64_t v = strtoull(e->s, &end, 0);
    if (end == e->s)
        e->bad = true;
    e->s = end;
    /* Integer suffixes (1UL, 0x100ul). */
    while (*e->s == 'u' || *e->s == 'U' || *e->s == 'l' || *e->s == 'L')
        e->s++;
    return v;
}

static uint64_t ev_add(struct ev *e)
{
    uint64_t v = ev_primary(e);
    for (;;) {
        skip(e);
        if (*e->s == '+')
            e->s++, v += ev_primary(e);
        else if (*e->s == '-')
            e->s++, v -= ev_primary(e);
        else
            return v;
    }
}

static uint64_t ev_shift(struct ev *e)
{
    uint64_t v = ev_add(e);
    for (;;) {
        skip(e);
        if (e->s[0] == '<' && e->s[1] == '<') {
            e->s += 2;
            uint64_t n = ev_add(e);
            v = n < 64 ? v << n : 0;
        } else {
            return v;
        }
    }
}

static uint64_t ev_and(struct ev *e)
{
    uint64_t v = ev_shift(e);
    for (;;) {
        skip(e);
        if (*e->s == '&' && e->s[1] != '&')
            e->s++, v &= ev_shift(e);
        else
            return v;
    }
}

static uint64_t ev_or(struct ev *e)
{
    uint64_t v = ev_and(e);
    for (;;) {
        skip(e);
        if (*e->s == '|' && e->s[1] != '|')
            e->s++, v |= ev_and(e);
        else
            return v;
    }
}

uint64_t ks_sched_preempt_bit_from(const char *format, const char **why)
{
    /* ..., REC->prev_state & <expr> ? "+" : "", ... */
    const char *plus = strstr(format, "? \"+\"");
    const char *start = NULL;
    for (const char *p = format; plus && (p = strstr(p, "REC->prev_state & ")) && p < plus;
         p++)
        start = p;
    if (!plus || !start) {
        *why = "the sched_switch format has no \"+\" (preempted) test on prev_state";
        return 0;
    }
    start += strlen("REC->prev_state & ");
    size_t len = (size_t)(plus - start);
    char *expr = ks_xmalloc(len + 1);
    memcpy(expr, start, len);
    expr[len] = '\0';
    struct ev e = {expr, false};
    uint64_t v = ev_or(&e);
    skip(&e);
    bool ok = !e.bad && !*e.s && v && !(v & (v - 1));
    free(expr);
    if (!ok) {
        *why = "the sched_switch format's preempted test is not a single bit";
        return 0;
    }
    return v;
}

uint64_t ks_sched_preempt_bit(const char **why)
{
    const char *tfs = ks_tracefs(why);
    if (!tfs)
        return 0;
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/events/sched/sched_switch/format", tfs);
    char *text = ks_read_file(path, NULL);
    if (!text) {
        *why = "cannot read the sched_switch tracepoint's format";
        return 0;
    }
    uint64_t bit = ks_sched_preempt_bit_from(text, why);
    free(text);
    return bit;
}
