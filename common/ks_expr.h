/* ks_expr: the C expressions users write (argdist's expressions and filters, trace's
 * filters and format arguments), read by a tokenizer and a small parser, and written out
 * again as BPF C from the parsed tokens only.
 *
 * BCC pastes what users type into the program it compiles. kscope accepts the same
 * expressions but nothing else: an expression may use the documented names (arg1..arg6,
 * the signature's parameters, $retval, $latency, $entry(param), $PID, $TID, $COMM,
 * $UID, $GID, $CPU, and args->field on tracepoints; for trace also BCC trace's retval,
 * $pid, $tgid, $uid, $gid, $cpu), STRCMP("literal", expr) (BCC trace's string
 * comparison: KS_STREQ(literal, pointer) in the program, an exact match), integer, character and
 * string literals, casts to known types ("(int)", "(unsigned long)", "(struct file *)"), member
 * access (-> and .), indexing, and C's operators (unary - ! ~ * &, binary arithmetic,
 * shifts, comparisons, bitwise and logical operators, ?:). Anything else (a statement, a
 * brace, an assignment, ++, a call, a preprocessor line, a comment, an unknown name, an
 * unterminated string) is refused with a message and a caret under the character.
 *
 * The output is rebuilt token by token: names become the program's own (PT_REGS_PARM1(ctx),
 * PT_REGS_RC(ctx), ...), string literals are re-escaped, so the text that reaches the
 * compiler is always one parenthesised C expression. */
#ifndef KS_EXPR_H
#define KS_EXPR_H

#include <stdbool.h>
#include <stddef.h>

#include "ks_util.h"

#define KS_EXPR_MAX_PARAMS 6

struct ks_expr_env {
    /* The probe's signature, if given: parameter names and their C types, in order. */
    int nparams;
    const char *param_name[KS_EXPR_MAX_PARAMS];
    const char *param_type[KS_EXPR_MAX_PARAMS];
    bool ret;        /* a return probe: $retval, $latency and $entry() are allowed */
    bool tracepoint; /* a tracepoint: args->field, no argN */
    bool usdt;       /* a USDT probe: arg1..arg6 are the probe's arguments */
    bool usdt_args;  /* and the program has them in locals __usdt_arg1..6 (ks_usdt_arg_c) */
    bool trace;      /* BCC trace's names too: retval (r:), $pid (the thread), $tgid, $uid,
                        $gid, $cpu */
};

/* What an expression used, for the program around it. */
struct ks_expr_uses {
    unsigned entry_params; /* bit i: $entry(param i) (saved at entry) */
    bool latency;          /* $latency (the entry time is saved) */
    bool comm;             /* $COMM (the program fills a local __comm) */
    bool string;           /* the expression is a string ($COMM, a char * parameter...) */
    bool streq;            /* STRCMP("literal", expr): the program defines KS_STREQ */
};

/* Parse text; on success append the C expression to out and return 0. On error return
 * -1 with one line saying what is wrong in *err and the place in *err_pos (for
 * ks_usage_error_at). what names the text in the message ("expression", "filter"). */
int ks_expr_compile(const char *text, const char *what, const struct ks_expr_env *env,
                    struct ks_buf *out, struct ks_expr_uses *uses, struct ks_buf *err,
                    size_t *err_pos);

/* A probe's signature ("int fd, const char *path") into env's parameters. 0, or -1 with
 * one line in *err and the place in *err_pos (and no parameters kept). The parameters'
 * names and types are allocated: ks_expr_env_free() frees them. */
int ks_expr_signature(const char *sig, struct ks_expr_env *env, struct ks_buf *err,
                      size_t *err_pos);
void ks_expr_env_free(struct ks_expr_env *env);

/* Is this a type name the parser takes in a cast or a signature ("int", "unsigned long",
 * "struct file *", "char *", "u64", "size_t", "pid_t"...)? */
bool ks_expr_type_ok(const char *type);

#endif
