/* kscope-cache: build the compiled programs for a kernel on another machine, ship them,
 * and say what is cached.
 *
 *   kscope-cache build --target PROFILE [--kernel-headers DIR] [--tools LIST]
 *   kscope-cache export FILE
 *   kscope-cache import FILE
 *   kscope-cache list
 *
 * build runs every tool (installed next to this command) with --target for each option
 * set that changes its program (common/ks_optsets.c), in --probe=auto and --probe=kprobe:
 * the tools themselves resolve their probes against the profile and store the result
 * under the key the target kernel computes for itself. export and import move the
 * entries (with their kernel notes) as a tar.xz; import verifies each entry before it
 * stores it as root's own. Every subcommand takes --cache-dir DIR (or KSCOPE_CACHE_DIR).
 *
 * Exit status: 0 done, 1 failed (the message says why), 2 usage errors. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ks_cache.h"
#include "ks_features.h"
#include "ks_opts.h"
#include "ks_optsets.h"
#include "ks_profile.h"
#include "ks_util.h"

static void usage(void)
{
    printf("usage: kscope-cache build --target PROFILE [--kernel-headers DIR] [--tools LIST]\n"
           "       kscope-cache export FILE\n"
           "       kscope-cache import FILE\n"
           "       kscope-cache list\n"
           "\n"
           "Compile kscope's tools once per kernel and ship the programs: a machine whose\n"
           "programs are in its cache starts the tools with no compiler, no kernel headers\n"
           "and no LLVM.\n"
           "\n"
           "commands:\n"
           "  build       compile every tool (each option set that changes its program, in\n"
           "              --probe=auto and --probe=kprobe) for the kernel of PROFILE\n"
           "              (kscope-doctor --save-profile on that machine), with its headers\n"
           "  export      write every cached program (and which kernel it is for) to FILE\n"
           "  import      verify the programs in FILE and add them to the cache\n"
           "  list        say what is cached, for which kernel\n"
           "\n"
           "options:\n"
           "  -h, --help             show this help message and exit\n"
           "  -v, --verbose          show the tools' messages\n"
           "  --target PROFILE       (build) the kernel to compile for\n"
           "  --kernel-headers DIR   (build) its headers (default: /lib/modules/<release>/build)\n"
           "  --tools LIST           (build) only these tools (comma- or space-separated)\n"
           "  --cache-dir DIR        the cache (or KSCOPE_CACHE_DIR; default /var/cache/kscope)\n"
           "  --version              print the version and exit\n"
           "\n"
           "examples:\n"
           "  kscope-doctor --save-profile web1.kprofile        # on the target\n"
           "  kscope-cache build --target web1.kprofile         # where its headers are installed\n"
           "  kscope-cache export progs.tar.xz                  # then copy it to the targets\n"
           "  kscope-cache import progs.tar.xz                  # on each target\n"
           "  kscope-cache list                                 # what is cached, for which kernel\n");
}

static char g_self_dir[PATH_MAX];

/* The tools are installed next to this command (as for kscope-doctor). */
static void find_self_dir(const char *argv0)
{
    char p[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", p, sizeof(p) - 1);
    if (n > 0) {
        p[n] = '\0';
    } else {
        snprintf(p, sizeof(p), "%s", argv0);
    }
    char *slash = strrchr(p, '/');
    if (slash)
        *slash = '\0';
    else
        snprintf(p, sizeof(p), ".");
    snprintf(g_self_dir, sizeof(g_self_dir), "%s", p);
}

static bool in_list(const char *list, const char *tool)
{
    if (!list)
        return true;
    size_t n = strlen(tool);
    for (const char *p = list; (p = strstr(p, tool)); p += n) {
        bool start = p == list || strchr(", ", p[-1]);
        bool end = !p[n] || strchr(", ", p[n]);
        if (start && end)
            return true;
    }
    return false;
}

/* Run a tool, stdout and stderr into *out. Returns its exit status. */
static int run_tool(char *const argv[], struct ks_buf *out)
{
    int po[2];
    if (pipe2(po, O_CLOEXEC) != 0)
        return -1;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(po[1], 1);
        dup2(po[1], 2);
        execv(argv[0], argv);
        fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(po[1]);
    char chunk[4096];
    ssize_t r;
    while ((r = read(po[0], chunk, sizeof(chunk))) > 0 || (r < 0 && errno == EINTR))
        if (r > 0)
            ks_buf_addn(out, chunk, (size_t)r);
    close(po[0]);
    int st = 0;
    if (pid < 0)
        return -1;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* The tool's own error line (its "error:" message), for one-line reports. */
static void error_line(const char *out, char *line, size_t size)
{
    const char *e = strstr(out, "error: ");
    e = e ? e + 7 : out;
    snprintf(line, size, "%.*s", (int)strcspn(e, "\n"), e);
}

/* Why a mode cannot run on the target, in one line: the probe and its first variant's
 * reason that is not "not tried". */
static void not_applicable(const char *out, char *line, size_t size)
{
    const char *p = strstr(out, "cannot attach probe ");
    if (!p) {
        error_line(out, line, size);
        return;
    }
    const char *q = strchr(p, '\'');
    const char *name = q ? q + 1 : "?";
    int nlen = q ? (int)strcspn(name, "'") : 1;
    const char *why = "";
    int wlen = 0;
    for (const char *l = strchr(p, '\n'); l && l[1] == ' '; l = strchr(l + 1, '\n')) {
        const char *t = l + 1 + strspn(l + 1, " ");
        int len = (int)strcspn(t, "\n");
        if (!memmem(t, (size_t)len, "not tried", 9)) {
            why = t;
            wlen = len;
            break;
        }
    }
    snprintf(line, size, "probe %.*s: %.*s", nlen, name, wlen, why);
}

static int build(const char *target, const char *headers, const char *tools, const char *cache_dir,
                 bool verbose)
{
    /* The profile once here, so a bad one is one clear error, not one per tool. */
    struct ks_profile prof;
    struct ks_buf err = {0};
    if (ks_profile_open(target, &prof, &err) != 0) {
        ks_err("%s", err.s);
        ks_buf_free(&err);
        return 1;
    }
    ks_profile_use(&prof);
    char release[128];
    snprintf(release, sizeof(release), "%s", prof.release);
    ks_profile_close(&prof);
    struct ks_cache c;
    ks_cache_open(&c, cache_dir, false);
    if (!c.enabled) {
        ks_err("the compile cache %s cannot be used (see above)", c.dir);
        return 1;
    }
    printf("kscope-cache: building for %s into %s\n", release, c.dir);
    fflush(stdout);
    static const char *const modes[] = {"auto", "kprobe"};
    int compiled = 0, cached = 0, skipped = 0, tools_seen = 0;
    const char *last_tool = "";
    for (int i = 0; i < ks_noptsets; i++) {
        const struct ks_optset *o = &ks_optsets[i];
        if (!in_list(tools, o->tool))
            continue;
        char path[PATH_MAX + 64];
        snprintf(path, sizeof(path), "%s/%s", g_self_dir, o->tool);
        if (access(path, X_OK) != 0) {
            ks_err("%s is not installed next to kscope-cache (%s)", o->tool, path);
            return 1;
        }
        tools_seen += strcmp(last_tool, o->tool) != 0;
        last_tool = o->tool;
        for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
            char *argv[48];
            int n = 0;
            char probe[32], opts[256];
            snprintf(probe, sizeof(probe), "--probe=%s", modes[m]);
            argv[n++] = path;
            argv[n++] = "-v";
            argv[n++] = "--target";
            argv[n++] = (char *)target;
            argv[n++] = "--cache-dir";
            argv[n++] = c.dir;
            if (headers) {
                argv[n++] = "--kernel-headers";
                argv[n++] = (char *)headers;
            }
            argv[n++] = probe;
            snprintf(opts, sizeof(opts), "%s", o->opts);
            for (char *save = NULL, *w = strtok_r(opts, " ", &save); w && n < 46;
                 w = strtok_r(NULL, " ", &save))
                argv[n++] = w;
            argv[n] = NULL;
            struct ks_buf out = {0};
            int rc = run_tool(argv, &out);
            const char *s = out.s ? out.s : "";
            char line[512];
            const char *what;
            if (rc == 0 && strstr(s, "program: compiled")) {
                what = "compiled";
                compiled++;
            } else if (rc == 0) {
                what = "already cached";
                cached++;
            } else if (strstr(s, "cannot attach probe") || strstr(s, "no probe of")) {
                /* This mode cannot run on that kernel (e.g. no kprobe variant): nothing
                 * to build, and the tool will say the same there. */
                not_applicable(s, line, sizeof(line));
                printf("  %-11s %-36s %-15s not applicable: %s\n", o->tool,
                       o->opts[0] ? o->opts : "(defaults)", probe, line);
                skipped++;
                ks_buf_free(&out);
                continue;
            } else {
                error_line(s, line, sizeof(line));
                ks_err("%s%s%s %s, for %s: %s", o->tool, o->opts[0] ? " " : "", o->opts, probe,
                       release, line);
                if (verbose)
                    fputs(s, stderr);
                ks_buf_free(&out);
                return 1;
            }
            printf("  %-11s %-36s %-15s %s\n", o->tool, o->opts[0] ? o->opts : "(defaults)", probe,
                   what);
            if (verbose)
                fputs(s, stdout);
            fflush(stdout);
            ks_buf_free(&out);
        }
    }
    if (!tools_seen) {
        ks_err("--tools %s names no tool kscope-cache knows (common/ks_optsets.c)", tools);
        return 2;
    }
    printf("kscope-cache: %d programs for %s (%d compiled, %d already cached), %d not "
           "applicable\n",
           compiled + cached, release, compiled, cached, skipped);
    return 0;
}

int main(int argc, char **argv)
{
    ks_set_prog("kscope-cache");
    enum { OPT_TARGET = 256, OPT_HEADERS, OPT_TOOLS, OPT_CACHE_DIR, OPT_VERSION };
    static const struct option lopts[] = {
        {"help", no_argument, NULL, 'h'},
        {"verbose", no_argument, NULL, 'v'},
        {"target", required_argument, NULL, OPT_TARGET},
        {"kernel-headers", required_argument, NULL, OPT_HEADERS},
        {"tools", required_argument, NULL, OPT_TOOLS},
        {"cache-dir", required_argument, NULL, OPT_CACHE_DIR},
        {"version", no_argument, NULL, OPT_VERSION},
        {NULL, 0, NULL, 0},
    };
    const char *target = NULL, *headers = NULL, *tools = NULL, *cache_dir = NULL;
    bool verbose = false;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, ":hv", lopts, NULL)) != -1) {
        switch (ch) {
        case 'h':
            usage();
            return 0;
        case 'v':
            verbose = true;
            ks_verbose = 1;
            break;
        case OPT_TARGET:
            target = optarg;
            break;
        case OPT_HEADERS:
            headers = optarg;
            break;
        case OPT_TOOLS:
            tools = optarg;
            break;
        case OPT_CACHE_DIR:
            cache_dir = optarg;
            break;
        case OPT_VERSION:
            printf("kscope-cache (kscope) %s\n", KS_VERSION);
            return 0;
        case ':':
            ks_usage_error("option '%s' needs a value", argv[optind - 1]);
        default:
            if (optopt)
                ks_usage_error("unrecognized option '-%c'", optopt);
            ks_usage_error("unrecognized option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        ks_usage_error("a command is needed: build, export, import or list");
    const char *cmd = argv[optind++];
    const char *file = optind < argc ? argv[optind++] : NULL;
    if (optind < argc)
        ks_usage_error("unexpected argument '%s'", argv[optind]);
    bool is_build = !strcmp(cmd, "build"), is_list = !strcmp(cmd, "list");
    bool is_export = !strcmp(cmd, "export"), is_import = !strcmp(cmd, "import");
    if (!is_build && !is_list && !is_export && !is_import)
        ks_usage_error("unknown command '%s' (use build, export, import or list)", cmd);
    if ((is_export || is_import) && (!file || !*file))
        ks_usage_error("%s needs a FILE", cmd);
    if ((is_build || is_list) && file)
        ks_usage_error("unexpected argument '%s'", file);
    if (is_build && !target)
        ks_usage_error("build needs --target PROFILE (kscope-doctor --save-profile FILE on the "
                       "target machine)");
    if (!is_build && (target || headers || tools))
        ks_usage_error("--target, --kernel-headers and --tools go with build only");

    if (is_build) {
        find_self_dir(argv[0]);
        return build(target, headers, tools, cache_dir, verbose);
    }
    struct ks_cache c;
    ks_cache_open(&c, cache_dir, false);
    struct ks_buf out = {0}, err = {0};
    int rc = 0;
    if (is_list) {
        if (!c.enabled) {
            ks_err("the compile cache %s cannot be used (see above)", c.dir);
            return 1;
        }
        int n = ks_cache_list(&c, NULL, &out);
        printf("%s%d program%s in %s\n", out.s ? out.s : "", n, n == 1 ? "" : "s", c.dir);
    } else {
        rc = is_export ? ks_cache_export(&c, file, &out, &err)
                       : ks_cache_import(&c, file, &out, &err);
        if (out.s)
            fputs(out.s, stdout);
        if (rc != 0)
            ks_err("%s", err.s);
    }
    ks_buf_free(&out);
    ks_buf_free(&err);
    if (fflush(stdout) != 0)
        return 1;
    return rc == 0 ? 0 : 1;
}
