/* Unit tests of ks_expr: the expressions BCC's argdist and trace users write are taken and
 * rebuilt from their tokens; everything that could break out of the expression is refused
 * with the position marked. */
#include <stdlib.h>
#include <string.h>

#include "ks_expr.h"
#include "ks_test.h"

static struct ks_buf out, err;
static size_t pos;

static int compile(const char *text, const struct ks_expr_env *env, struct ks_expr_uses *u)
{
    out.len = err.len = 0;
    if (out.s)
        out.s[0] = '\0';
    if (err.s)
        err.s[0] = '\0';
    pos = (size_t)-1;
    return ks_expr_compile(text, "expression", env, &out, u, &err, &pos);
}

int main(void)
{
    struct ks_expr_env k = {.nparams = 2,
                            .param_name = {"fd", "buf"},
                            .param_type = {"int", "char *"}};
    struct ks_expr_env r = k;
    r.ret = true;
    struct ks_expr_env tp = {.tracepoint = true};
    struct ks_expr_uses u;

    /* What users write. */
    CHECK(compile("arg1", &k, &u) == 0);
    CHECK_STREQ(out.s, "(PT_REGS_PARM1(ctx))");
    CHECK(compile("fd > 2 && $PID != 1", &k, &u) == 0);
    CHECK_STREQ(out.s, "(((int)PT_REGS_PARM1(ctx)) > 2 && ((u32)(bpf_get_current_pid_tgid() >> 32)) != 1)");
    CHECK(compile("$retval", &r, &u) == 0);
    CHECK_STREQ(out.s, "(PT_REGS_RC(ctx))");
    CHECK(compile("$latency / 1000", &r, &u) == 0 && u.latency);
    CHECK(compile("$entry(fd) + 0x10", &r, &u) == 0 && u.entry_params == 1);
    CHECK_STREQ(out.s, "(__entry_0 + 0x10)");
    CHECK(compile("(unsigned long)arg2 & ~7UL", &k, &u) == 0);
    CHECK_STREQ(out.s, "((unsigned long) PT_REGS_PARM2(ctx) & ~ 7UL)");
    CHECK(compile("((struct file *)arg1)->f_flags", &k, &u) == 0);
    CHECK_STREQ(out.s, "(((struct file *) PT_REGS_PARM1(ctx))->f_flags)");
    CHECK(compile("args->ret < 0 ? 1 : 2", &tp, &u) == 0);
    CHECK_STREQ(out.s, "(args->ret < 0 ? 1 : 2)");
    CHECK(compile("$COMM", &k, &u) == 0 && u.comm && u.string);
    CHECK(compile("buf", &k, &u) == 0 && u.string);
    CHECK(compile("'a' == 97", &k, &u) == 0);
    CHECK_STREQ(out.s, "(97 == 97)");
    CHECK(compile("\"a\\\"b\"", &k, &u) == 0);
    CHECK_STREQ(out.s, "(\"a\\\"b\")");

    /* Injection attempts, in every shape: each refused, with a caret. */
    static const char *const bad[] = {
        "arg1; bpf_trace_printk(\"x\")", "arg1 }", "{ arg1 }", "arg1) { return 0; } int f(void *ctx",
        "arg1 = 0", "arg1 += 1", "arg1++", "--arg1", "arg1 /* x */", "arg1 // x",
        "#define X 1", "arg1 \\\n", "\"unterminated", "'x", "'ab'", "bpf_override_return(ctx, 0)",
        "foo", "arg7", "$retval", "$entry(nope)", "$nope", "arg1 , arg2", "arg1 @ 2",
        "arg1 <<= 2", "\"a\\q\"", "\"tab\there\"", "(int", "arg1 ? 1", "0x", "12abc",
        "arg1 `id`", "", "sizeof(arg1)", "((void (*)(void))0)()",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        bool refused = compile(bad[i], &k, &u) < 0;
        if (!refused)
            ks_test_fail(__FILE__, __LINE__, "accepted: %s -> %s", bad[i], out.s);
        CHECK(refused);
        CHECK_CONTAINS(err.s, "invalid expression: ");
        CHECK(pos <= strlen(bad[i])); /* a place for the caret */
    }
    CHECK(compile("arg1 }", &k, &u) < 0);
    CHECK_STREQ(err.s, "invalid expression: braces are not allowed");
    CHECK(pos == 5);
    CHECK(compile("arg1", &tp, &u) < 0);
    CHECK_CONTAINS(err.s, "use args->field");

    /* BCC trace's names and STRCMP (an exact match in the program: KS_STREQ). */
    struct ks_expr_env tr = {.trace = true, .ret = true};
    CHECK(compile("retval > 0 && $tgid != $pid", &tr, &u) == 0);
    CHECK_STREQ(out.s, "(PT_REGS_RC(ctx) > 0 && ((u32)(bpf_get_current_pid_tgid() >> 32)) != "
                       "((u32)bpf_get_current_pid_tgid()))");
    CHECK(compile("retval", &k, &u) < 0); /* argdist: $retval only */
    struct ks_expr_env trtp = {.trace = true, .tracepoint = true};
    CHECK(compile("STRCMP(\"/etc/x\", args->filename) && $uid == 0", &trtp, &u) == 0 &&
          u.streq);
    CHECK_STREQ(out.s, "(KS_STREQ(\"/etc/x\", args->filename) && "
                       "((u32)bpf_get_current_uid_gid()) == 0)");
    static const char *const bad_strcmp[] = {
        "STRCMP(args->filename, \"x\")", "STRCMP \"x\"", "STRCMP(\"x\" args->x)",
        "STRCMP(\"x\", args->x", "retval", "$task"};
    for (size_t i = 0; i < sizeof(bad_strcmp) / sizeof(bad_strcmp[0]); i++)
        CHECK(compile(bad_strcmp[i], &trtp, &u) < 0 && pos <= strlen(bad_strcmp[i]));

    /* Signatures. */
    struct ks_expr_env sig = {0};
    size_t sp = 0;
    CHECK(ks_expr_signature("int fd, const char *path", &sig, &err, &sp) == 0);
    CHECK(sig.nparams == 2);
    CHECK_STREQ(sig.param_name[1], "path");
    CHECK_STREQ(sig.param_type[1], "const char *");
    CHECK(compile("path", &sig, &u) == 0 && u.string);
    ks_expr_env_free(&sig);
    CHECK(sig.nparams == 0);
    CHECK(ks_expr_signature("int fd, x(y) z", &sig, &err, &sp) < 0 && sp == 8);
    CHECK(sig.nparams == 0); /* nothing kept of "int fd" */
    CHECK(ks_expr_signature("int", &sig, &err, &sp) < 0);

    CHECK(ks_expr_type_ok("struct file *"));
    CHECK(ks_expr_type_ok("unsigned long"));
    CHECK(!ks_expr_type_ok("int; x"));
    CHECK(!ks_expr_type_ok("struct"));
    ks_buf_free(&out);
    ks_buf_free(&err);
    return ks_test_done("unit-expr");
}
