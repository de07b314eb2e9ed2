#define _GNU_SOURCE
#include "ks_man.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "ks_opts.h"
#include "ks_tool.h"

#ifndef KS_TOOL_NAMES
#define KS_TOOL_NAMES ""
#endif

void ks_man_escape(struct ks_buf *b, const char *s)
{
    bool bol = true;
    for (; *s; s++) {
        if (bol && (*s == '.' || *s == '\''))
            ks_buf_add(b, "\\&");
        bol = *s == '\n';
        if (*s == '\\')
            ks_buf_add(b, "\\e");
        else if (*s == '-')
            ks_buf_add(b, "\\-");
        else
            ks_buf_addn(b, s, 1);
    }
}

static void esc(FILE *out, const char *s)
{
    struct ks_buf b = {0};
    ks_buf_add(&b, "");
    ks_man_escape(&b, s);
    fputs(b.s, out);
    ks_buf_free(&b);
}

/* The block after "@NAME" in the prose, up to the next "@" line; NULL when absent. */
static char *prose(const char *name)
{
    if (!&ks_man_prose || !ks_man_prose)
        return NULL;
    size_t n = strlen(name);
    for (const char *p = ks_man_prose; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (p[0] != '@' || strncmp(p + 1, name, n) || (p[1 + n] != '\n' && p[1 + n]))
            continue;
        const char *start = p + 1 + n + (p[1 + n] == '\n');
        const char *end = start;
        while (*end && !(end[0] == '@' && (end == start || end[-1] == '\n')))
            end++;
        while (end > start && end[-1] == '\n')
            end--;
        return end > start ? strndup(start, (size_t)(end - start)) : NULL;
    }
    return NULL;
}

/* Prints the prose block (roff, written for the page) when there is one. */
static bool put_prose(FILE *out, const char *name, const char *heading)
{
    char *s = prose(name);
    if (!s)
        return false;
    if (heading)
        fprintf(out, ".SH %s\n", heading);
    fprintf(out, "%s\n", s);
    free(s);
    return true;
}

static void put_option(const struct ks_opt_doc *d, void *ctx)
{
    FILE *out = ctx;
    fputs(".TP\n", out);
    if (d->sname) {
        fputs("\\fB", out);
        esc(out, d->sname);
        fputs("\\fR", out);
    }
    if (d->sname && d->lname)
        fputs(", ", out);
    if (d->lname) {
        fputs("\\fB", out);
        esc(out, d->lname);
        fputs("\\fR", out);
    }
    if (d->metavar) {
        fputs(" \\fI", out);
        esc(out, d->metavar);
        fputs("\\fR", out);
    }
    fputs("\n", out);
    esc(out, d->help);
    fputs("\n", out);
}

struct man_ctx {
    FILE *out;
    int *n;
};

static void put_positional(const struct ks_opt_doc *d, void *ctx)
{
    struct man_ctx *m = ctx;
    if ((*m->n)++ == 0)
        fputs(".SH ARGUMENTS\n", m->out);
    fputs(".TP\n.I ", m->out);
    esc(m->out, d->lname);
    fputs("\n", m->out);
    esc(m->out, d->help);
    fputs("\n", m->out);
}

/* "    cmd args      # what it does" lines, as -h prints them. */
static void put_examples(FILE *out, const char *ex)
{
    char *copy = ks_xstrdup(ex), *save = NULL;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        while (isspace((unsigned char)*line))
            line++;
        if (!*line)
            continue;
        char *hash = strstr(line, " #");
        char *comment = NULL;
        if (hash) {
            comment = hash + 2;
            while (isspace((unsigned char)*comment))
                comment++;
            while (hash > line && isspace((unsigned char)hash[-1]))
                hash--;
            *hash = '\0';
        }
        fputs(".TP\n\\fB", out);
        esc(out, line);
        fputs("\\fR\n", out);
        esc(out, comment && *comment ? comment : "(see above)");
        fputs("\n", out);
    }
    free(copy);
}

static void put_probes(FILE *out, const struct ks_tool *t)
{
    fputs(".SH PROBES\n"
          "Each probe is a tracepoint with an ordered list of kprobe fallbacks. The tool asks "
          "the running kernel which exist and picks, per probe, the tracepoint when there is "
          "one, else the first kprobe that exists. \\fB\\-\\-probe\\fR forces one kind, "
          "\\fB\\-v\\fR says what was chosen and why, and \\fB\\-\\-check\\fR prints the "
          "choice without attaching anything. Probes that share state (a start time read by "
          "the end) are all tracepoints or all kprobes.\n",
          out);
    for (int i = 0; i < t->nprobes; i++) {
        const struct ks_probe *p = &t->probes[i];
        fprintf(out, ".TP\n.B %s\n", p->name);
        if (p->tp)
            fprintf(out, "tracepoint \\fB%s\\fR", p->tp);
        else
            fputs("no tracepoint", out);
        int nk = 0;
        while (nk < KS_MAX_KPROBES && p->kprobes[nk])
            nk++;
        if (nk) {
            fprintf(out, "; %s fallbacks, in order: ", p->ret ? "kretprobe" : "kprobe");
            for (int k = 0; k < nk; k++)
                fprintf(out, "%s\\fB%s\\fR", k ? ", " : "", p->kprobes[k]);
        } else {
            fputs("; no kprobe fallback", out);
        }
        fputs(".", out);
        if (p->optional)
            fputs(" Optional: the tool runs without it where the kernel has neither.", out);
        fputs("\n", out);
    }
    put_prose(out, "PROBES", NULL);
}

void ks_man_print(FILE *out, const struct ks_tool *t)
{
    const struct ks_opts_spec *s = &t->spec;
    bool interval = s->common & KS_C_INTERVAL;
    char upper[64];
    snprintf(upper, sizeof(upper), "%s", s->name);
    for (char *c = upper; *c; c++)
        *c = (char)toupper((unsigned char)*c);

    fprintf(out, ".\\\" Generated by '%s --man' from tools/%s.c and man/%s.man. Do not edit.\n",
            s->name, s->name, s->name);
    fprintf(out, ".TH %s 8 \"\" \"kscope %s\" \"kscope tools\"\n", upper, KS_VERSION);
    fputs(".nh\n.ad l\n", out); /* option and symbol names are not to be hyphenated */
    fprintf(out, ".SH NAME\n%s \\- ", s->name);
    esc(out, s->description);
    fputs("\n.SH SYNOPSIS\n.B ", out);
    esc(out, s->name);
    fputs("\n[\\fIoptions\\fR]", out);
    const char *syn = ks_opts_synopsis(s);
    if (*syn)
        fputs(" ", out);
    for (const char *c = syn; *c;) { /* argument names in italics, brackets plain */
        size_t n = strcspn(c, "[] |");
        if (n) {
            char *w = strndup(c, n);
            fputs("\\fI", out);
            esc(out, w);
            fputs("\\fR", out);
            free(w);
            c += n;
        } else {
            fputc(*c++, out);
        }
    }
    fputs("\n", out);
    fputs(".SH DESCRIPTION\n", out);
    esc(out, s->description);
    fputs(".\n", out);
    char *d = prose("DESCRIPTION");
    if (d)
        fprintf(out, ".PP\n%s\n", d);
    free(d);
    fputs(".PP\n", out);
    fputs("The tool compiles its BPF program (\\fB\\-\\-ebpf\\fR prints it) against the "
          "kernel's headers with libbcc in a short-lived child process, caches the result, "
          "loads and attaches it, and prints what it sees in the format of BCC's tool of the "
          "same name. Ctrl\\-C, SIGTERM or SIGHUP end it cleanly: probes detached, programs "
          "unloaded.\n",
          out);
    int npos = 0;
    ks_opts_each_positional(s, put_positional, &(struct man_ctx){out, &npos});
    fputs(".SH OPTIONS\n", out);
    ks_opts_each(s, put_option, out);
    if (s->examples) {
        fputs(".SH EXAMPLES\n", out);
        put_examples(out, s->examples);
    }
    put_probes(out, t);
    if (interval) {
        fputs(".SH PROMETHEUS METRICS\n"
              "With \\fB\\-\\-prom\\fR \\fIFILE\\fR the tool also writes its numbers to "
              "\\fIFILE\\fR after every output, in the Prometheus text format, for "
              "node_exporter's textfile collector (\\fB\\-\\-collector.textfile.directory\\fR; "
              "the name must end in \\fI.prom\\fR). The file is replaced atomically (a "
              "temporary file in the same directory, then rename). Values are totals since the "
              "tool started, also when the text shows each interval on its own, because "
              "Prometheus counters only grow; a restart counts as a counter reset. A directory "
              "that does not exist or cannot be written is an error at start (exit status 2); "
              "a write that fails later (a full disk) is a warning, the previous file stays "
              "and tracing goes on.\n",
              out);
        put_prose(out, "METRICS", NULL);
    }
    fputs(".SH REQUIREMENTS\n"
          "Root (loading BPF programs needs CAP_SYS_ADMIN), a kernel with BPF (tracepoint "
          "programs need 4.7 or later; kprobe fallbacks need kprobes), libbcc 0.26 or later, "
          "and kernel headers: \\fB\\-\\-kernel\\-headers\\fR, "
          "\\fI/lib/modules/$(uname\\ \\-r)/build\\fR, \\fI/sys/kernel/kheaders.tar.xz\\fR, "
          "or the closest installed version (with a warning). BTF is never needed. "
          "Tracepoint paths read only tracepoint fields; kprobe paths read kernel structures "
          "and need headers that match the running kernel. \\fBkscope\\-doctor\\fR(8) says "
          "what is missing.\n",
          out);
    put_prose(out, "REQUIREMENTS", NULL);
    put_prose(out, "BCC", "DIFFERENCES FROM BCC");
    put_prose(out, "NOTES", "NOTES");
    fputs(".SH ENVIRONMENT\n"
          ".TP\n.B KSCOPE_KERNEL_HEADERS\\fR, \\fBBCC_KERNEL_SOURCE\n"
          "kernel header tree, as \\fB\\-\\-kernel\\-headers\\fR\n"
          ".TP\n.B KSCOPE_CACHE_DIR\n"
          "compile cache directory, as \\fB\\-\\-cache\\-dir\\fR\n"
          ".SH FILES\n.TP\n.I /var/cache/kscope\n"
          "compiled programs, keyed by program text, kernel and libbcc\n"
          ".SH EXIT STATUS\n"
          "0 on success (also when ended by a signal), 1 when the tool cannot run here, 2 on "
          "usage errors.\n"
          ".SH SEE ALSO\n",
          out);
    char *names = ks_xstrdup(KS_TOOL_NAMES), *save = NULL;
    for (char *n = strtok_r(names, " ", &save); n; n = strtok_r(NULL, " ", &save))
        if (strcmp(n, s->name)) {
            fputs(".BR ", out);
            esc(out, n);
            fputs(" (8),\n", out);
        }
    free(names);
    fputs(".BR kscope\\-doctor (8),\n.BR ", out);
    esc(out, s->name);
    fputs("\\-bpfcc (8)\n(BCC's tool of the same name, as Debian installs it)\n", out);
}
