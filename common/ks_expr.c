#define _GNU_SOURCE
#include "ks_expr.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TEXT 1024
#define MAX_DEPTH 48

enum tok_kind { T_END, T_INT, T_STR, T_IDENT, T_DOLLAR, T_OP };

struct tok {
    enum tok_kind kind;
    size_t pos, len; /* in the text */
    char op[4];      /* T_OP: the operator */
};

struct parser {
    const char *text, *what;
    const struct ks_expr_env *env;
    struct ks_expr_uses *uses;
    struct ks_buf *out, *err;
    struct tok *t;
    int n, i, depth;
    bool failed;
    size_t err_pos;
};

static int fail(struct parser *p, size_t pos, const char *msg)
{
    if (p->failed)
        return -1;
    p->failed = true;
    ks_buf_printf(p->err, "invalid %s: %s", p->what, msg);
    p->err_pos = pos;
    return -1;
}

/* Operators, longest first; what is not here is refused ("=", "++", ";", "{", "#"...). */
static const char *const ops[] = {"->", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "+",
                                  "-",  "*",  "/",  "%",  "&",  "|",  "^",  "~",  "!",  "<",
                                  ">",  "?",  ":",  ".",  "(",  ")",  "[",  "]",  ","};

static int tokenize(struct parser *p)
{
    const char *s = p->text;
    size_t len = strlen(s), cap = 16;
    if (len > MAX_TEXT)
        return fail(p, MAX_TEXT, "too long (at most 1024 characters)");
    p->t = ks_xcalloc(cap, sizeof(*p->t));
    for (size_t i = 0;;) {
        while (s[i] == ' ' || s[i] == '\t')
            i++;
        if ((size_t)p->n + 1 >= cap) {
            cap *= 2;
            p->t = ks_xrealloc(p->t, cap * sizeof(*p->t));
        }
        struct tok *t = &p->t[p->n];
        memset(t, 0, sizeof(*t));
        t->pos = i;
        char c = s[i];
        if (!c) {
            t->kind = T_END;
            p->n++;
            return 0;
        }
        if (isdigit((unsigned char)c)) {
            size_t j = i;
            if (c == '0' && (s[j + 1] == 'x' || s[j + 1] == 'X')) {
                j += 2;
                if (!isxdigit((unsigned char)s[j]))
                    return fail(p, j, "a hexadecimal number needs digits");
                while (isxdigit((unsigned char)s[j]))
                    j++;
            } else {
                while (isdigit((unsigned char)s[j]))
                    j++;
            }
            while (s[j] == 'u' || s[j] == 'U' || s[j] == 'l' || s[j] == 'L')
                j++;
            if (isalnum((unsigned char)s[j]) || s[j] == '_')
                return fail(p, j, "not a number");
            t->kind = T_INT;
            t->len = j - i;
        } else if (isalpha((unsigned char)c) || c == '_' || c == '$') {
            size_t j = i + (c == '$');
            if (!isalpha((unsigned char)s[j]) && s[j] != '_')
                return fail(p, j, "'$' must start a name ($retval, $PID...)");
            while (isalnum((unsigned char)s[j]) || s[j] == '_')
                j++;
            t->kind = c == '$' ? T_DOLLAR : T_IDENT;
            t->len = j - i;
        } else if (c == '"' || c == '\'') {
            size_t j = i + 1;
            while (s[j] && s[j] != c) {
                if (s[j] == '\\') {
                    if (!strchr("ntr0\\\"'", s[j + 1]) || !s[j + 1])
                        return fail(p, j, "unknown escape (\\n \\t \\r \\0 \\\\ \\\" \\' only)");
                    j++;
                } else if (!isprint((unsigned char)s[j])) {
                    return fail(p, j, "not a printable character");
                }
                j++;
            }
            if (!s[j])
                return fail(p, i, c == '"' ? "unterminated string" : "unterminated character");
            if (c == '\'' && (j - i - 1 == 0 || j - i - 1 > 2 || (j - i - 1 == 2 && s[i + 1] != '\\')))
                return fail(p, i, "a character literal holds one character");
            t->kind = c == '"' ? T_STR : T_INT;
            t->len = j + 1 - i;
        } else {
            if ((c == '/' && (s[i + 1] == '*' || s[i + 1] == '/')))
                return fail(p, i, "comments are not allowed");
            if ((c == '+' && s[i + 1] == '+') || (c == '-' && s[i + 1] == '-'))
                return fail(p, i, "++ and -- are not allowed (an expression cannot change "
                                  "anything)");
            size_t k = 0;
            for (; k < sizeof(ops) / sizeof(ops[0]); k++)
                if (!strncmp(s + i, ops[k], strlen(ops[k])))
                    break;
            if (k == sizeof(ops) / sizeof(ops[0]))
                return fail(p, i, c == ';'   ? "';' is not allowed: one expression only"
                                  : c == '{' || c == '}' ? "braces are not allowed"
                                  : c == '#'   ? "preprocessor lines are not allowed"
                                  : c == '='   ? "'=' is not allowed (comparison is '==')"
                                               : "this character is not allowed");
            /* An operator followed by '=' is an assignment (+=, <<=, ...), except ==, !=,
             * <=, >= themselves. */
            size_t ol = strlen(ops[k]);
            if (s[i + ol] == '=' && strcmp(ops[k], "<") && strcmp(ops[k], ">") &&
                strcmp(ops[k], "!"))
                return fail(p, i, "assignments are not allowed");
            t->kind = T_OP;
            memcpy(t->op, ops[k], ol);
            t->len = ol;
        }
        i += t->len;
        p->n++;
    }
}

static const struct tok *peek(struct parser *p)
{
    return &p->t[p->i];
}

static bool is_op(struct parser *p, const char *op)
{
    const struct tok *t = peek(p);
    return t->kind == T_OP && !strcmp(t->op, op);
}

static bool tok_is(const struct parser *p, const struct tok *t, const char *word)
{
    return (t->kind == T_IDENT || t->kind == T_DOLLAR) && t->len == strlen(word) &&
           !strncmp(p->text + t->pos, word, t->len);
}

static void emit(struct parser *p, const char *s)
{
    if (p->out->len && p->out->s[p->out->len - 1] != '(' && s[0] != ')' && s[0] != ']')
        ks_buf_add(p->out, " ");
    ks_buf_add(p->out, s);
}

static void emit_tok(struct parser *p, const struct tok *t)
{
    char b[MAX_TEXT + 8];
    snprintf(b, sizeof(b), "%.*s", (int)t->len, p->text + t->pos);
    emit(p, b);
}

static const char *const type_words[] = {
    "unsigned", "signed", "int",    "long",    "short",   "char",   "void",   "u8",
    "u16",      "u32",    "u64",    "s8",      "s16",     "s32",    "s64",    "__u8",
    "__u16",    "__u32",  "__u64",  "__s8",    "__s16",   "__s32",  "__s64",  "size_t",
    "ssize_t",  "pid_t",  "uid_t",  "gid_t",   "bool",    "loff_t", "off_t",  "umode_t",
    "dev_t",    "ino_t",  "int8_t", "int16_t", "int32_t", "int64_t", "uint8_t", "uint16_t",
    "uint32_t", "uint64_t", "const"};

static bool type_word(const char *w, size_t n)
{
    for (size_t k = 0; k < sizeof(type_words) / sizeof(type_words[0]); k++)
        if (strlen(type_words[k]) == n && !strncmp(type_words[k], w, n))
            return true;
    return false;
}

/* A type at token i: (struct|union NAME | type words+) '*'*. Returns the token after it,
 * or -1 when there is none. */
static int scan_type(const struct parser *p, int i)
{
    int start = i;
    if (tok_is(p, &p->t[i], "struct") || tok_is(p, &p->t[i], "union")) {
        if (p->t[i + 1].kind != T_IDENT)
            return -1;
        i += 2;
    } else {
        while (p->t[i].kind == T_IDENT && type_word(p->text + p->t[i].pos, p->t[i].len))
            i++;
        if (i == start)
            return -1;
    }
    while (p->t[i].kind == T_OP && !strcmp(p->t[i].op, "*"))
        i++;
    return i;
}

bool ks_expr_type_ok(const char *type)
{
    struct ks_buf err = {0};
    struct parser p = {.text = type, .what = "type", .err = &err};
    bool ok = strlen(type) < 200 && tokenize(&p) == 0 && p.n > 1 &&
              scan_type(&p, 0) == p.n - 1;
    free(p.t);
    ks_buf_free(&err);
    return ok;
}

static int expr(struct parser *p, bool *is_string);

static int param_index(const struct parser *p, const struct tok *t)
{
    for (int k = 0; k < p->env->nparams; k++)
        if (strlen(p->env->param_name[k]) == t->len &&
            !strncmp(p->env->param_name[k], p->text + t->pos, t->len))
            return k;
    return -1;
}

static void emit_string(struct parser *p, const struct tok *t)
{
    /* Re-escaped from the characters it holds: nothing but a C string comes out. */
    struct ks_buf b = {0};
    ks_buf_add(&b, "\"");
    for (size_t j = t->pos + 1; j < t->pos + t->len - 1; j++) {
        char c = p->text[j];
        if (c == '\\') {
            char e = p->text[++j];
            ks_buf_add(&b, e == 'n' ? "\\n" : e == 't' ? "\\t" : e == 'r' ? "\\r" : e == '0' ? "\\0" : e == '"' ? "\\\"" : e == '\'' ? "'" : "\\\\");
        } else {
            ks_buf_addn(&b, &c, 1);
        }
    }
    ks_buf_add(&b, "\"");
    emit(p, b.s);
    ks_buf_free(&b);
}

static int primary(struct parser *p, bool *is_string)
{
    const struct tok *t = peek(p);
    char b[160];
    *is_string = false;
    switch (t->kind) {
    case T_INT:
        if (p->text[t->pos] == '\'') {
            /* A character: its value. */
            const char *c = p->text + t->pos + 1;
            int v = c[0] != '\\' ? (unsigned char)c[0]
                    : c[1] == 'n' ? '\n' : c[1] == 't' ? '\t' : c[1] == 'r' ? '\r' : c[1] == '0' ? 0 : c[1];
            snprintf(b, sizeof(b), "%d", v);
            emit(p, b);
        } else {
            emit_tok(p, t);
        }
        p->i++;
        return 0;
    case T_STR:
        emit_string(p, t);
        *is_string = true;
        p->i++;
        return 0;
    case T_DOLLAR: {
        static const struct {
            const char *name, *c;
        } specials[] = {
            {"$PID", "((u32)(bpf_get_current_pid_tgid() >> 32))"},
            {"$TID", "((u32)bpf_get_current_pid_tgid())"},
            {"$UID", "((u32)bpf_get_current_uid_gid())"},
            {"$GID", "((u32)(bpf_get_current_uid_gid() >> 32))"},
            {"$CPU", "((u32)bpf_get_smp_processor_id())"},
        };
        /* BCC trace's lower-case names ($pid is the thread there, $tgid the process). */
        static const struct {
            const char *name, *c;
        } trace_specials[] = {
            {"$pid", "((u32)bpf_get_current_pid_tgid())"},
            {"$tgid", "((u32)(bpf_get_current_pid_tgid() >> 32))"},
            {"$uid", "((u32)bpf_get_current_uid_gid())"},
            {"$gid", "((u32)(bpf_get_current_uid_gid() >> 32))"},
            {"$cpu", "((u32)bpf_get_smp_processor_id())"},
        };
        for (size_t k = 0;
             p->env->trace && k < sizeof(trace_specials) / sizeof(trace_specials[0]); k++)
            if (tok_is(p, t, trace_specials[k].name)) {
                emit(p, trace_specials[k].c);
                p->i++;
                return 0;
            }
        for (size_t k = 0; k < sizeof(specials) / sizeof(specials[0]); k++)
            if (tok_is(p, t, specials[k].name)) {
                emit(p, specials[k].c);
                p->i++;
                return 0;
            }
        if (tok_is(p, t, "$COMM")) {
            emit(p, "__comm");
            p->uses->comm = true;
            *is_string = true;
            p->i++;
            return 0;
        }
        bool ret_only = tok_is(p, t, "$retval") || tok_is(p, t, "$latency") ||
                        tok_is(p, t, "$entry");
        if (ret_only && !p->env->ret)
            return fail(p, t->pos, "$retval, $latency and $entry() exist only in return "
                                   "probes (r:)");
        if (tok_is(p, t, "$retval")) {
            emit(p, "PT_REGS_RC(ctx)");
            p->i++;
            return 0;
        }
        if (tok_is(p, t, "$latency")) {
            emit(p, "__latency");
            p->uses->latency = true;
            p->i++;
            return 0;
        }
        if (tok_is(p, t, "$entry")) {
            p->i++;
            const struct tok *a = &p->t[p->i + 1];
            if (!is_op(p, "(") || a->kind != T_IDENT || p->t[p->i + 2].kind != T_OP ||
                strcmp(p->t[p->i + 2].op, ")"))
                return fail(p, peek(p)->pos, "$entry takes a parameter name: $entry(name)");
            int k = param_index(p, a);
            if (k < 0)
                return fail(p, a->pos, "not a parameter of the signature");
            snprintf(b, sizeof(b), "__entry_%d", k);
            emit(p, b);
            p->uses->entry_params |= 1u << k;
            p->i += 3;
            return 0;
        }
        return fail(p, t->pos,
                    p->env->trace ? "unknown special name (known: $pid $tgid $uid $gid $cpu)"
                                  : "unknown special name (known: $retval $latency $entry() "
                                    "$PID $TID $UID $GID $CPU $COMM)");
    }
    case T_IDENT: {
        int k = param_index(p, t);
        if (k >= 0) {
            if (p->env->tracepoint)
                return fail(p, t->pos, "tracepoints have no signature: use args->field");
            snprintf(b, sizeof(b), "((%s)PT_REGS_PARM%d(ctx))", p->env->param_type[k], k + 1);
            emit(p, b);
            *is_string = strstr(p->env->param_type[k], "char *") != NULL;
            p->i++;
            return 0;
        }
        if (p->env->trace && tok_is(p, t, "retval")) {
            if (!p->env->ret)
                return fail(p, t->pos, "retval exists only in return probes (r:)");
            emit(p, "PT_REGS_RC(ctx)");
            p->i++;
            return 0;
        }
        if (tok_is(p, t, "STRCMP")) {
            /* STRCMP("literal", expr): the only call, its first argument a literal. */
            const struct tok *lit = &p->t[p->i + 2];
            if (p->t[p->i + 1].kind != T_OP || strcmp(p->t[p->i + 1].op, "("))
                return fail(p, t->pos, "STRCMP takes (\"literal\", expression)");
            if (lit->kind != T_STR)
                return fail(p, lit->pos, "STRCMP's first argument must be a string literal");
            if (p->t[p->i + 3].kind != T_OP || strcmp(p->t[p->i + 3].op, ","))
                return fail(p, p->t[p->i + 3].pos, "expected ',' after STRCMP's literal");
            emit(p, "KS_STREQ(");
            emit_string(p, lit);
            ks_buf_add(p->out, ",");
            p->i += 4;
            bool s2;
            if (expr(p, &s2) < 0)
                return -1;
            if (!is_op(p, ")"))
                return fail(p, peek(p)->pos, "expected ')'");
            emit(p, ")");
            p->i++;
            p->uses->streq = true;
            return 0;
        }
        if (t->len == 4 && !strncmp(p->text + t->pos, "arg", 3) && p->text[t->pos + 3] >= '1' &&
            p->text[t->pos + 3] <= '6') {
            if (p->env->tracepoint)
                return fail(p, t->pos, "tracepoints have no arg1..arg6: use args->field");
            if (p->env->usdt && !p->env->usdt_args)
                return fail(p, t->pos, "USDT arguments are not supported here yet");
            if (p->env->usdt) {
                snprintf(b, sizeof(b), "__usdt_arg%c", p->text[t->pos + 3]);
                emit(p, b);
                p->i++;
                return 0;
            }
            snprintf(b, sizeof(b), "PT_REGS_PARM%c(ctx)", p->text[t->pos + 3]);
            emit(p, b);
            p->i++;
            return 0;
        }
        if (tok_is(p, t, "args") && p->env->tracepoint) {
            if (p->t[p->i + 1].kind != T_OP || strcmp(p->t[p->i + 1].op, "->"))
                return fail(p, t->pos, "args is used as args->field");
            emit(p, "args");
            p->i++;
            return 0;
        }
        return fail(p, t->pos, "unknown name (arg1..arg6, the signature's parameters, "
                               "$retval, $PID... or args->field on tracepoints)");
    }
    case T_OP:
        if (!strcmp(t->op, "(")) {
            p->i++;
            emit(p, "(");
            if (expr(p, is_string) < 0)
                return -1;
            if (!is_op(p, ")"))
                return fail(p, peek(p)->pos, "expected ')'");
            emit(p, ")");
            p->i++;
            return 0;
        }
        return fail(p, t->pos, "expected a value here");
    case T_END:
    default:
        return fail(p, t->pos, "the expression ends too early");
    }
}

static int postfix(struct parser *p, bool *is_string)
{
    if (primary(p, is_string) < 0)
        return -1;
    for (;;) {
        if (is_op(p, "->") || is_op(p, ".")) {
            ks_buf_add(p->out, peek(p)->op); /* "a->b": no spaces around it */
            p->i++;
            const struct tok *f = peek(p);
            if (f->kind != T_IDENT)
                return fail(p, f->pos, "expected a field name");
            char b[MAX_TEXT + 8];
            snprintf(b, sizeof(b), "%.*s", (int)f->len, p->text + f->pos);
            ks_buf_add(p->out, b);
            p->i++;
            *is_string = false;
        } else if (is_op(p, "[")) {
            emit(p, "[");
            p->i++;
            bool idx_string;
            if (expr(p, &idx_string) < 0)
                return -1;
            if (!is_op(p, "]"))
                return fail(p, peek(p)->pos, "expected ']'");
            emit(p, "]");
            p->i++;
            *is_string = false;
        } else {
            return 0;
        }
    }
}

static int unary(struct parser *p, bool *is_string)
{
    if (++p->depth > MAX_DEPTH)
        return fail(p, peek(p)->pos, "nested too deeply");
    int rc;
    const struct tok *t = peek(p);
    if (t->kind == T_OP && (strchr("-!~*&", t->op[0]) && !t->op[1])) {
        emit(p, t->op);
        p->i++;
        rc = unary(p, is_string);
        *is_string = false;
    } else if (is_op(p, "(") && scan_type(p, p->i + 1) > 0 &&
               p->t[scan_type(p, p->i + 1)].kind == T_OP &&
               !strcmp(p->t[scan_type(p, p->i + 1)].op, ")")) {
        /* A cast: the type's words, one by one. */
        int end = scan_type(p, p->i + 1);
        emit(p, "(");
        for (int k = p->i + 1; k < end; k++)
            emit_tok(p, &p->t[k]);
        emit(p, ")");
        p->i = end + 1;
        rc = unary(p, is_string);
    } else {
        rc = postfix(p, is_string);
    }
    p->depth--;
    return rc;
}

/* Binary operators by precedence, lowest first. */
static const char *const levels[][4] = {
    {"||"}, {"&&"}, {"|"}, {"^"}, {"&"}, {"==", "!="}, {"<", "<=", ">", ">="}, {"<<", ">>"},
    {"+", "-"}, {"*", "/", "%"},
};
#define NLEVELS ((int)(sizeof(levels) / sizeof(levels[0])))

static int binary(struct parser *p, int level, bool *is_string)
{
    if (level == NLEVELS)
        return unary(p, is_string);
    if (binary(p, level + 1, is_string) < 0)
        return -1;
    for (;;) {
        const struct tok *t = peek(p);
        bool hit = false;
        for (int k = 0; k < 4 && levels[level][k] && !hit; k++)
            hit = t->kind == T_OP && !strcmp(t->op, levels[level][k]);
        if (!hit)
            return 0;
        emit(p, t->op);
        p->i++;
        bool s2;
        if (binary(p, level + 1, &s2) < 0)
            return -1;
        *is_string = false;
    }
}

static int expr(struct parser *p, bool *is_string)
{
    if (++p->depth > MAX_DEPTH)
        return fail(p, peek(p)->pos, "nested too deeply");
    int rc = binary(p, 0, is_string);
    if (rc == 0 && is_op(p, "?")) {
        bool s;
        emit(p, "?");
        p->i++;
        rc = expr(p, &s);
        if (rc == 0 && !is_op(p, ":"))
            rc = fail(p, peek(p)->pos, "expected ':'");
        if (rc == 0) {
            emit(p, ":");
            p->i++;
            rc = expr(p, &s);
        }
        *is_string = false;
    }
    p->depth--;
    return rc;
}

int ks_expr_compile(const char *text, const char *what, const struct ks_expr_env *env,
                    struct ks_buf *out, struct ks_expr_uses *uses, struct ks_buf *err,
                    size_t *err_pos)
{
    struct ks_expr_uses none;
    struct ks_buf body = {0};
    struct parser p = {.text = text, .what = what, .env = env, .uses = uses ? uses : &none,
                       .out = &body, .err = err};
    memset(p.uses, 0, sizeof(*p.uses));
    int rc = tokenize(&p);
    if (rc == 0 && p.t[0].kind == T_END)
        rc = fail(&p, 0, "empty");
    bool is_string = false;
    if (rc == 0)
        rc = expr(&p, &is_string);
    if (rc == 0 && peek(&p)->kind != T_END)
        rc = fail(&p, peek(&p)->pos, "unexpected text after the expression");
    if (rc == 0) {
        p.uses->string = is_string;
        ks_buf_printf(out, "(%s)", body.s);
    }
    if (rc != 0 && err_pos)
        *err_pos = p.err_pos;
    free(p.t);
    ks_buf_free(&body);
    return rc;
}

void ks_expr_env_free(struct ks_expr_env *env)
{
    for (int k = 0; k < env->nparams; k++) {
        free((char *)env->param_name[k]);
        free((char *)env->param_type[k]);
        env->param_name[k] = env->param_type[k] = NULL;
    }
    env->nparams = 0;
}

/* A refused signature keeps none of the parameters read before the bad one. */
static int signature_fail(struct ks_expr_env *env)
{
    ks_expr_env_free(env);
    return -1;
}

int ks_expr_signature(const char *sig, struct ks_expr_env *env, struct ks_buf *err,
                      size_t *err_pos)
{
    env->nparams = 0;
    size_t i = 0, len = strlen(sig);
    while (i < len) {
        size_t start = i, end = i + strcspn(sig + i, ",");
        /* The name is the last identifier; what is before it is the type. */
        size_t ne = end;
        while (ne > start && (sig[ne - 1] == ' ' || sig[ne - 1] == '\t'))
            ne--;
        size_t ns = ne;
        while (ns > start && (isalnum((unsigned char)sig[ns - 1]) || sig[ns - 1] == '_'))
            ns--;
        size_t ts = start + strspn(sig + start, " \t"), te = ns;
        while (te > ts && (sig[te - 1] == ' ' || sig[te - 1] == '\t'))
            te--;
        char type[200];
        snprintf(type, sizeof(type), "%.*s", (int)(te - ts), sig + ts);
        if (ns == ne || isdigit((unsigned char)sig[ns]) || !ks_expr_type_ok(type)) {
            ks_buf_printf(err, "invalid signature: each parameter is a known type and a name "
                               "(\"int fd, const char *path\")");
            *err_pos = ns == ne ? ne : ts;
            return signature_fail(env);
        }
        if (env->nparams == KS_EXPR_MAX_PARAMS) {
            ks_buf_printf(err, "invalid signature: at most %d parameters", KS_EXPR_MAX_PARAMS);
            *err_pos = start;
            return signature_fail(env);
        }
        /* The caller's until ks_expr_env_free(). */
        char *name = ks_xmalloc(ne - ns + 1);
        memcpy(name, sig + ns, ne - ns);
        name[ne - ns] = '\0';
        env->param_name[env->nparams] = name;
        env->param_type[env->nparams] = ks_xstrdup(type);
        env->nparams++;
        i = end + 1;
    }
    return 0;
}
