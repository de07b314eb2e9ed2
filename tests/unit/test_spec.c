/* Unit tests of ks_spec: BCC's probe specifications parsed into their parts, malformed ones
 * refused with the position marked, libraries found (c = libc), and the X-macro lines the
 * BPF sources expand (numbers only). */
#include <stdlib.h>
#include <string.h>

#include "ks_spec.h"
#include "ks_test.h"
#include "ks_uprobe.h"

static int parse(const char *text, struct ks_spec *s, struct ks_buf *err)
{
    err->len = 0;
    if (err->s)
        err->s[0] = '\0';
    ks_spec_free(s);
    return ks_spec_parse(text, -1, 0, s, err);
}

int main(void)
{
    struct ks_spec s = {0};
    struct ks_buf err = {0};

    CHECK(parse("vfs_*", &s, &err) == 0);
    CHECK(s.kind == KS_SPEC_KFUNC && !s.ret && s.type == 'p');
    CHECK_STREQ(s.func, "vfs_*");
    CHECK(parse("r::do_sys_open", &s, &err) == 0);
    CHECK(s.kind == KS_SPEC_KFUNC && s.ret);
    CHECK(parse("t:sched:sched_*", &s, &err) == 0);
    CHECK(s.kind == KS_SPEC_TP);
    CHECK_STREQ(s.lib, "sched");
    CHECK_STREQ(s.func, "sched_*");
    CHECK(parse("c:malloc", &s, &err) == 0);
    CHECK(s.kind == KS_SPEC_UFUNC);
    CHECK_CONTAINS(s.path, "libc.so");
    CHECK(parse("p:c:malloc(size_t size)", &s, &err) == 0);
    CHECK_STREQ(s.signature, "size_t size");
    CHECK_STREQ(s.func, "malloc");
    CHECK(parse("u:/bin/sh:prov:probe", &s, &err) == 0 || strstr(err.s, "/bin/sh"));

    /* Malformed: one line saying what, the spec, a caret under the place. */
    CHECK(parse("p:a:b:c:d", &s, &err) < 0);
    CHECK_STREQ(err.s, "invalid probe: too many ':'-separated parts");
    CHECK(s.err_pos == 7);
    CHECK(parse("x:c:malloc", &s, &err) < 0);
    CHECK_CONTAINS(err.s, "the type must be p, r, t or u");
    CHECK(s.err_pos == 0);
    CHECK(parse("c:mal;loc", &s, &err) < 0);
    CHECK(s.err_pos == 5);
    CHECK(parse("c:malloc(int", &s, &err) < 0);
    CHECK_CONTAINS(err.s, "must end with ')'");
    CHECK(parse("t::x", &s, &err) < 0);
    /* -r: parentheses are a regex's groups, not a signature. */
    ks_spec_free(&s);
    CHECK(ks_spec_parse("c:(mal|cal)loc$", -1, KS_SPEC_REGEX, &s, &err) == 0);
    CHECK_STREQ(s.func, "(mal|cal)loc$");
    CHECK(parse("", &s, &err) < 0);
    CHECK(parse("no_such_library_kscope:f", &s, &err) < 0);
    CHECK_CONTAINS(err.s, "cannot find library or program 'no_such_library_kscope'");

    /* The X-macro: numbers only. */
    struct ks_buf d = {0};
    ks_spec_defines(&d, 3);
    CHECK_STREQ(d.s, "#define KS_NPROBES 3 /* probes the pattern matched */\n"
                     "#define KS_PROBE_LIST(X) X(0) X(1) X(2)\n");
    ks_buf_free(&d);
    ks_spec_free(&s);
    ks_buf_free(&err);
    /* USDT argument specs into C over pt_regs: registers, constants, memory. */
    struct ks_buf c = {0}, why = {0};
    const char *spec = "-8@-48(%rbp) -4@%eax 2@$7 8@(%rdi) 4@sym(%rip)";
    CHECK(ks_usdt_arg_c(spec, 1, &c, &why));
    CHECK_STREQ(c.s, "({ s64 __v = 0; ks_probe_read_user(&__v, sizeof(__v), (void *)(ctx->bp "
                     "+ (-48LL))); (s64)__v; })");
    c.len = 0;
    CHECK(ks_usdt_arg_c(spec, 2, &c, &why));
    CHECK_STREQ(c.s, "((s64)(s32)ctx->ax)");
    c.len = 0;
    CHECK(ks_usdt_arg_c(spec, 3, &c, &why));
    CHECK_STREQ(c.s, "((u64)(u16)7LL)");
    c.len = 0;
    CHECK(ks_usdt_arg_c(spec, 4, &c, &why));
    CHECK_CONTAINS(c.s, "ctx->di + (0LL)");
    CHECK(!ks_usdt_arg_c(spec, 5, &c, &why)); /* symbol(%rip): not read */
    CHECK(!ks_usdt_arg_c(spec, 6, &c, &why));
    CHECK_CONTAINS(why.s, "the probe has 5 arguments");
    CHECK(!ks_usdt_arg_c("3@%rax", 1, &c, &why));
    CHECK(!ks_usdt_arg_c("8@%xyz); evil(", 1, &c, &why));
    ks_buf_free(&c);
    ks_buf_free(&why);
    return ks_test_done("unit-spec");
}
