/* Unit tests of ks_headers: the kernel header resolver, against header trees fabricated
 * under a temporary root (req.root), laid out the way distributions install them. */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_headers.h"
#include "ks_test.h"

#define REL "6.18.44-test"
#define COMMON "linux-headers-6.18.44-common" /* Debian: linux-headers-X-common for X-<flavour> */

static char archdir[64]; /* "arch/x86" on x86 */

/* A complete tree (what a plain kernel build or RHEL's kernel-devel installs). */
static void full_tree(const char *root, const char *rel)
{
    char p[PATH_MAX];
    snprintf(p, sizeof(p), "%s/include/generated/autoconf.h", rel);
    ks_test_write(root, p, "#define CONFIG_BPF 1\n");
    snprintf(p, sizeof(p), "%s/include/linux/kconfig.h", rel);
    ks_test_write(root, p, "/* kconfig */\n");
    snprintf(p, sizeof(p), "%s/%s/include/asm", rel, archdir);
    ks_test_mkdirs(root, p);
}

/* Debian's flavour half: generated headers and a one-line Makefile naming the common half
 * by its absolute path on the target system (makefile_common: "/usr/src/..." or NULL). */
static void debian_build(const char *root, const char *rel, const char *makefile_common)
{
    char p[PATH_MAX];
    snprintf(p, sizeof(p), "%s/include/generated/autoconf.h", rel);
    ks_test_write(root, p, "#define CONFIG_BPF 1\n");
    snprintf(p, sizeof(p), "%s/%s/include/generated/asm", rel, archdir);
    ks_test_mkdirs(root, p);
    if (makefile_common) {
        char text[PATH_MAX + 64];
        snprintf(text, sizeof(text), "include %s/Makefile\n", makefile_common);
        snprintf(p, sizeof(p), "%s/Makefile", rel);
        ks_test_write(root, p, text);
    }
}

/* Debian's common half: the source headers. */
static void debian_common(const char *root, const char *rel)
{
    char p[PATH_MAX];
    snprintf(p, sizeof(p), "%s/include/linux/kconfig.h", rel);
    ks_test_write(root, p, "/* kconfig */\n");
    snprintf(p, sizeof(p), "%s/%s/include/asm", rel, archdir);
    ks_test_mkdirs(root, p);
    snprintf(p, sizeof(p), "%s/Makefile", rel);
    ks_test_write(root, p, "VERSION = 6\n");
}

/* /lib/modules/<v>/{build,source} links; absolute, inside the fabricated root. */
static void modules_links(const char *root, const char *v, const char *build_rel,
                          const char *source_rel)
{
    char target[PATH_MAX], link[PATH_MAX];
    if (build_rel) {
        ks_test_path(target, sizeof(target), root, build_rel);
        snprintf(link, sizeof(link), "lib/modules/%s/build", v);
        ks_test_symlink(target, root, link);
    }
    if (source_rel) {
        ks_test_path(target, sizeof(target), root, source_rel);
        snprintf(link, sizeof(link), "lib/modules/%s/source", v);
        ks_test_symlink(target, root, link);
    }
}

/* A whole Debian installation of one kernel version ("6.1.0-56" + "-amd64"). */
static void debian_install(const char *root, const char *base, const char *flavour)
{
    char v[128], build[256], common[256], common_abs[256];
    snprintf(v, sizeof(v), "%s-%s", base, flavour);
    snprintf(build, sizeof(build), "usr/src/linux-headers-%s", v);
    snprintf(common, sizeof(common), "usr/src/linux-headers-%s-common", base);
    snprintf(common_abs, sizeof(common_abs), "/%s", common);
    debian_build(root, build, common_abs);
    debian_common(root, common);
    modules_links(root, v, build, common);
}

static int find(const char *root, const char *release, const char *override,
                struct ks_headers *h, struct ks_buf *err)
{
    struct ks_headers_req req = {
        .root = root, .release = release, .override = override, .kheaders_dir = NULL};
    ks_buf_free(err);
    return ks_headers_find(&req, h, err);
}

static bool is_under(const char *path, const char *root, const char *rel)
{
    char p[PATH_MAX];
    return ks_test_same_path(path, ks_test_path(p, sizeof(p), root, rel));
}

static void test_exact_full_tree(void)
{
    char *root = ks_test_tmpdir();
    full_tree(root, "lib/modules/" REL "/build");
    struct ks_headers h;
    struct ks_buf err = {0};
    CHECK_INTEQ(find(root, REL, NULL, &h, &err), 0);
    CHECK_STREQ(h.how, "modules");
    CHECK(h.exact);
    CHECK(!h.split);
    CHECK_STREQ(h.release, REL);
    CHECK_STREQ(h.source, h.build);
    CHECK(is_under(h.build, root, "lib/modules/" REL "/build"));

    /* Not split: no extra -I flags. */
    char flags[8][PATH_MAX + 4];
    CHECK_INTEQ(ks_headers_cflags(&h, ks_kernel_arch(), flags, 8), 0);
    ks_buf_free(&err);
    ks_test_rmrf(root);
    free(root);
}

/* /lib/modules/<rel>/build -> /usr/src/linux-headers-<rel>, source -> ...-common. */
static void test_debian_split_links(void)
{
    char *root = ks_test_tmpdir();
    debian_build(root, "usr/src/linux-headers-" REL, "/usr/src/" COMMON);
    debian_common(root, "usr/src/" COMMON);
    modules_links(root, REL, "usr/src/linux-headers-" REL, "usr/src/" COMMON);
    struct ks_headers h;
    struct ks_buf err = {0};
    CHECK_INTEQ(find(root, REL, NULL, &h, &err), 0);
    CHECK_STREQ(h.how, "modules");
    CHECK(h.exact);
    CHECK(h.split);
    CHECK_STREQ(h.release, REL);
    CHECK(is_under(h.build, root, "usr/src/linux-headers-" REL));
    CHECK(is_under(h.source, root, "usr/src/" COMMON));

    /* The generated headers are in build: the extra -I flags must point there. */
    char flags[8][PATH_MAX + 4];
    int n = ks_headers_cflags(&h, ks_kernel_arch(), flags, 8);
    CHECK(n >= 2);
    char want[PATH_MAX + 64];
    bool arch_generated = false, include = false;
    for (int i = 0; i < n; i++) {
        snprintf(want, sizeof(want), "-I%s/", h.build);
        CHECK(!strncmp(flags[i], want, strlen(want)));
        snprintf(want, sizeof(want), "-I%s/%s/include/generated", h.build, archdir);
        arch_generated |= !strcmp(flags[i], want);
        snprintf(want, sizeof(want), "-I%s/include", h.build);
        include |= !strcmp(flags[i], want);
    }
    CHECK(arch_generated);
    CHECK(include);
    /* max is respected */
    CHECK_INTEQ(ks_headers_cflags(&h, ks_kernel_arch(), flags, 1), 1);
    CHECK_INTEQ(ks_headers_cflags(&h, ks_kernel_arch(), flags, 0), 0);
    ks_buf_free(&err);
    ks_test_rmrf(root);
    free(root);
}

/* Only the build link: the source is named by the build dir's Makefile, whose path is
 * absolute on the target system and so must be looked up under req.root. */
static void test_debian_makefile_only(void)
{
    char *root = ks_test_tmpdir();
    debian_build(root, "usr/src/linux-headers-" REL, "/usr/src/" COMMON);
    debian_common(root, "usr/src/" COMMON);
    modules_links(root, REL, "usr/src/linux-headers-" REL, NULL);
    struct ks_headers h;
    struct ks_buf err = {0};
    CHECK_INTEQ(find(root, REL, NULL, &h, &err), 0);
    CHECK_STREQ(h.how, "modules");
    CHECK(h.exact);
    CHECK(h.split);
    CHECK(is_under(h.build, root, "usr/src/linux-headers-" REL));
    CHECK(is_under(h.source, root, "usr/src/" COMMON));
    ks_buf_free(&err);
    ks_test_rmrf(root);
    free(root);
}

/* Only the build link, no usable Makefile: the source is the -common sibling of the
 * directory the build link points to. */
static void test_debian_common_sibling(void)
{
    char *root = ks_test_tmpdir();
    debian_build(root, "usr/src/linux-headers-" REL, NULL);
    debian_common(root, "usr/src/" COMMON);
    modules_links(root, REL, "usr/src/linux-headers-" REL, NULL);
    struct ks_headers h;
    struct ks_buf err = {0};
    CHECK_INTEQ(find(root, REL, NULL, &h, &err), 0);
    /* Found through /lib/modules/<rel>/build: that is the "modules" step, not "closest". */
    CHECK_STREQ(h.how, "modules");
    CHECK(h.exact);
    CHECK(h.split);
    CHECK_STREQ(h.release, REL);
    CHECK(is_under(h.build, root, "usr/src/linux-headers-" REL));
    CHECK(is_under(h.source, root, "usr/src/" COMMON));

    /* The directory itself classifies through its sibling. */
    char dir[PATH_MAX];
    memset(&h, 0, sizeof(h));
    CHECK(ks_headers_classify(ks_test_path(dir, sizeof(dir), root, "usr/src/linux-headers-" REL),
                              &h));
    CHECK(h.split);
    CHECK(is_under(h.source, root, "usr/src/" COMMON));

    /* A Makefile naming a missing tree does not stop the sibling search. */
    ks_test_write(root, "usr/src/linux-headers-" REL "/Makefile",
                  "include /usr/src/linux-headers-nowhere/Makefile\n");
    memset(&h, 0, sizeof(h));
    CHECK(ks_headers_classify(dir, &h));
    CHECK(is_under(h.source, root, "usr/src/" COMMON));
    ks_buf_free(&err);
    ks_test_rmrf(root);
    free(root);
}

static void test_closest(void)
{
    char *root = ks_test_tmpdir();
    debian_install(root, "6.1.0-56", "amd64");
    debian_install(root, "5.10.0-30", "amd64");
    struct ks_headers h;
    struct ks_buf err = {0};

    CHECK_INTEQ(find(root, "6.18.44", NULL, &h, &err), 0);
    CHECK_STREQ(h.how, "closest");
    CHECK(!h.exact);
    CHECK_STREQ(h.release, "6.1.0-56-amd64");
    CHECK(h.split);
    CHECK(is_under(h.build, root, "usr/src/linux-headers-6.1.0-56-amd64"));
    CHECK(is_under(h.source, root, "usr/src/linux-headers-6.1.0-56-common"));

    CHECK_INTEQ(find(root, "5.11.0", NULL, &h, &err), 0);
    CHECK_STREQ(h.how, "closest");
    CHECK(!h.exact);
    CHECK_STREQ(h.release, "5.10.0-30-amd64");
    CHECK(is_under(h.build, root, "usr/src/linux-headers-5.10.0-30-amd64"));
    CHECK(is_under(h.source, root, "usr/src/linux-headers-5.10.0-30-common"));

    /* The exact release among them is found directly. */
    CHECK_INTEQ(find(root, "6.1.0-56-amd64", NULL, &h, &err), 0);
    CHECK_STREQ(h.how, "modules");
    CHECK(h.exact);
    CHECK_STREQ(h.release, "6.1.0-56-amd64");
    ks_buf_free(&err);
    ks_test_rmrf(root);
    free(root);
}

/* RHEL, Fedora: /usr/src/kernels/<release>, a complete tree; no /lib/modules link. */
static void test_closest_rhel(void)
{
    char *root = ks_test_tmpdir();
    full_tree(root, "usr/src/kernels/5.14.0-362.el9.x86_64");
    ks_test_mkdirs(root, "lib/modules/5.14.0-427.el9.x86_64/kernel"); /* modules, no headers */
    struct ks_headers h;
    struct ks_buf err = {0};
    CHECK_INTEQ(find(root, "5.14.0-427.el9.x86_64", NULL, &h, &err), 0);
    CHECK_STREQ(h.how, "closest");
    CHECK(!h.exact);
    CHECK_STREQ(h.release, "5.14.0-362.el9.x86_64");
    CHECK(!h.split);
    CHECK(is_under(h.source, root, "usr/src/kernels/5.14.0-362.el9.x86_64"));
    ks_buf_free(&err);
    ks_test_rmrf(root);
    free(root);
}

static void test_none(void)
{
    char *root = ks_test_tmpdir();
    ks_test_mkdirs(root, "lib/modules/" REL "/kernel");
    ks_test_mkdirs(root, "usr/src");
    /* A half tree (generated headers only, nowhere to find the rest) is not a tree. */
    debian_build(root, "usr/src/linux-headers-5.4.0-1-amd64", NULL);
    struct ks_headers h;
    struct ks_buf err = {0};
    CHECK_INTEQ(find(root, REL, NULL, &h, &err), -1);
    CHECK_CONTAINS(err.s, "linux-headers-" REL);
    CHECK_CONTAINS(err.s, "kernel-devel-" REL);
    CHECK_CONTAINS(err.s, "--kernel-headers");

    /* A root with nothing at all. */
    char *empty = ks_test_tmpdir();
    CHECK_INTEQ(find(empty, REL, NULL, &h, &err), -1);
    CHECK_CONTAINS(err.s, "linux-headers-" REL);
    ks_buf_free(&err);
    ks_test_rmrf(empty);
    free(empty);
    ks_test_rmrf(root);
    free(root);
}

static void test_override(void)
{
    char *root = ks_test_tmpdir();
    full_tree(root, "opt/kernel-tree");
    /* Also a tree for the release, which the override must win over. */
    full_tree(root, "lib/modules/" REL "/build");
    char ov[PATH_MAX];
    ks_test_path(ov, sizeof(ov), root, "opt/kernel-tree");
    struct ks_headers h;
    struct ks_buf err = {0};

    CHECK_INTEQ(find(root, REL, ov, &h, &err), 0);
    CHECK_STREQ(h.how, "override");
    CHECK(!h.split);
    CHECK(h.exact);
    CHECK_STREQ(h.release, REL);
    CHECK(is_under(h.source, root, "opt/kernel-tree"));
    CHECK(is_under(h.build, root, "opt/kernel-tree"));

    /* An override that is not a tree is an error naming the option; no fallback. */
    char bogus[PATH_MAX];
    ks_test_path(bogus, sizeof(bogus), root, "opt/not-a-tree");
    ks_test_mkdirs(root, "opt/not-a-tree/include");
    CHECK_INTEQ(find(root, REL, bogus, &h, &err), -1);
    CHECK_CONTAINS(err.s, "--kernel-headers");
    CHECK_CONTAINS(err.s, bogus);

    /* The same from the environment names the variable. */
    setenv("KSCOPE_KERNEL_HEADERS", bogus, 1);
    CHECK_INTEQ(find(root, REL, NULL, &h, &err), -1);
    CHECK_CONTAINS(err.s, "KSCOPE_KERNEL_HEADERS");
    CHECK_CONTAINS(err.s, bogus);
    /* ... and --kernel-headers beats the environment. */
    CHECK_INTEQ(find(root, REL, ov, &h, &err), 0);
    CHECK_STREQ(h.how, "override");
    unsetenv("KSCOPE_KERNEL_HEADERS");

    setenv("BCC_KERNEL_SOURCE", bogus, 1);
    CHECK_INTEQ(find(root, REL, NULL, &h, &err), -1);
    CHECK_CONTAINS(err.s, "BCC_KERNEL_SOURCE");
    setenv("BCC_KERNEL_SOURCE", ov, 1);
    CHECK_INTEQ(find(root, REL, NULL, &h, &err), 0);
    CHECK_STREQ(h.how, "override");
    CHECK(is_under(h.source, root, "opt/kernel-tree"));
    unsetenv("BCC_KERNEL_SOURCE");

    /* With no override the release's own tree is used. */
    CHECK_INTEQ(find(root, REL, NULL, &h, &err), 0);
    CHECK_STREQ(h.how, "modules");

    /* An override may be a Debian build dir with its common sibling. */
    debian_build(root, "usr/src/linux-headers-" REL, "/usr/src/" COMMON);
    debian_common(root, "usr/src/" COMMON);
    ks_test_path(ov, sizeof(ov), root, "usr/src/linux-headers-" REL);
    CHECK_INTEQ(find(root, REL, ov, &h, &err), 0);
    CHECK_STREQ(h.how, "override");
    CHECK(h.split);
    CHECK(is_under(h.source, root, "usr/src/" COMMON));
    ks_buf_free(&err);
    ks_test_rmrf(root);
    free(root);
}

/* ks_headers_exact: struct reads on tracepoint paths only with the running kernel's own
 * headers. A fabricated kernel (root/proc, root/boot) and a build tree for it. */
static void exact_build(const char *root, const char *rel, const char *uts_release,
                        const char *uts_version, const char *config)
{
    char p[PATH_MAX], text[512];
    full_tree(root, rel);
    snprintf(p, sizeof(p), "%s/include/generated/utsrelease.h", rel);
    snprintf(text, sizeof(text), "#define UTS_RELEASE \"%s\"\n", uts_release);
    ks_test_write(root, p, text);
    if (uts_version) {
        snprintf(p, sizeof(p), "%s/include/generated/utsversion.h", rel);
        snprintf(text, sizeof(text), "#define UTS_VERSION \"%s\"\n", uts_version);
        ks_test_write(root, p, text);
    }
    if (config) {
        snprintf(p, sizeof(p), "%s/.config", rel);
        ks_test_write(root, p, config);
    }
}

static bool exact(const char *root, const char *tree, const char *how, struct ks_buf *why)
{
    struct ks_headers h;
    memset(&h, 0, sizeof(h));
    ks_test_path(h.build, sizeof(h.build), root, tree);
    snprintf(h.source, sizeof(h.source), "%s", h.build);
    h.how = how;
    why->len = 0;
    return ks_headers_exact(&h, root, why);
}

static void test_exact_decision(void)
{
    char *root = ks_test_tmpdir();
    const char *ver = "#1 SMP PREEMPT_DYNAMIC Debian 6.18.44-1 (2026-11-01)";
    ks_test_write(root, "proc/sys/kernel/osrelease", REL "\n");
    ks_test_write(root, "proc/sys/kernel/version",
                  "#1 SMP PREEMPT_DYNAMIC Debian 6.18.44-1 (2026-11-01)\n");
    ks_test_write(root, "proc/version", "Linux version " REL " (gcc-14) #1 SMP\n");
    ks_test_write(root, "boot/config-" REL, "# comment\nCONFIG_BPF=y\nCONFIG_X=m\n");
    struct ks_buf why = {0};

    exact_build(root, "good", REL, ver, "CONFIG_BPF=y\n# other comment\nCONFIG_X=m\n");
    CHECK(exact(root, "good", "modules", &why));
    CHECK_CONTAINS(why.s, "are the running kernel's");

    exact_build(root, "other-release", "6.1.0-57-amd64", ver, NULL);
    CHECK(!exact(root, "other-release", "closest", &why));
    CHECK_CONTAINS(why.s, "are for 6.1.0-57-amd64, the running kernel is " REL);

    exact_build(root, "other-build", REL, "#2 SMP Debian 6.18.44-2", NULL);
    CHECK(!exact(root, "other-build", "modules", &why));
    CHECK_CONTAINS(why.s, "another build");

    exact_build(root, "other-config", REL, ver, "CONFIG_BPF=y\nCONFIG_X=y\n");
    CHECK(!exact(root, "other-config", "override", &why));
    CHECK_CONTAINS(why.s, "configured differently");

    /* Same release, no version in the headers, no kernel configuration: cannot tell. */
    ks_test_write(root, "boot/config-" REL, "");
    char p[PATH_MAX];
    remove(ks_test_path(p, sizeof(p), root, "boot/config-" REL));
    exact_build(root, "unknown", REL, NULL, NULL);
    CHECK(!exact(root, "unknown", "modules", &why));
    CHECK_CONTAINS(why.s, "nothing tells");

    /* No utsrelease.h at all. */
    full_tree(root, "bare");
    CHECK(!exact(root, "bare", "modules", &why));
    CHECK_CONTAINS(why.s, "utsrelease.h");

    /* The kernel's own (kheaders) pass; a randomized layout never does. */
    CHECK(exact(root, "bare", "kheaders", &why));
    ks_test_write(root, "bare/include/generated/autoconf.h", "#define CONFIG_RANDSTRUCT_FULL 1\n");
    CHECK(!exact(root, "bare", "kheaders", &why));
    CHECK_CONTAINS(why.s, "CONFIG_RANDSTRUCT");
    ks_buf_free(&why);
    ks_test_rmrf(root);
    free(root);
}

int main(void)
{
    /* The resolver reads these first; the tests must not see the caller's. */
    unsetenv("KSCOPE_KERNEL_HEADERS");
    unsetenv("BCC_KERNEL_SOURCE");
    snprintf(archdir, sizeof(archdir), "arch/%s", ks_kernel_arch());

    test_exact_full_tree();
    test_debian_split_links();
    test_debian_makefile_only();
    test_debian_common_sibling();
    test_closest();
    test_closest_rhel();
    test_none();
    test_override();
    test_exact_decision();
    return ks_test_done("unit-headers");
}
