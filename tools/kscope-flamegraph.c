/* kscope-flamegraph: folded stacks ("comm;frame;frame N", what profile -f, offcputime -f
 * and the others print) to a self-contained interactive SVG flame graph.
 *
 * Each frame is a box as wide as the samples (or microseconds) that passed through it,
 * its callees stacked above it; the bottom row is the process name. Kernel frames and
 * user frames are coloured apart: a frame is a kernel frame when it ends in "_[k]"
 * (profile -a), when it follows the "-" delimiter (-d: user frames first, then kernel
 * frames), or when it is a kernel function in /proc/kallsyms and the line has no
 * delimiter. The SVG carries its own script: hover for counts and percentages, click to
 * zoom (and the bottom row to reset), a search box that highlights matches and totals
 * them; "#s=REGEX" in the address searches on load. Debian packages no flame graph
 * generator, hence this one. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_opts.h"
#include "ks_util.h"

struct node {
    char *name;
    int kind; /* 0 user, 1 kernel, 2 process name */
    unsigned long long value;
    struct node **kids;
    size_t nkids, cap;
};

static struct node g_root = {.name = "all", .kind = 2};
static int g_maxdepth;
static unsigned long long g_ignored;

static struct node *child(struct node *n, const char *name, size_t len, int kind)
{
    for (size_t i = 0; i < n->nkids; i++)
        if (n->kids[i]->kind == kind && strlen(n->kids[i]->name) == len &&
            !memcmp(n->kids[i]->name, name, len))
            return n->kids[i];
    if (n->nkids == n->cap) {
        n->cap = n->cap ? n->cap * 2 : 4;
        n->kids = ks_xrealloc(n->kids, n->cap * sizeof(*n->kids));
    }
    struct node *c = ks_xcalloc(1, sizeof(*c));
    c->name = ks_xmalloc(len + 1);
    memcpy(c->name, name, len);
    c->name[len] = '\0';
    c->kind = kind;
    n->kids[n->nkids++] = c;
    return c;
}

/* Kernel function names, to tell kernel frames without a delimiter or annotation. */
static char **g_ksyms;
static size_t g_nksyms;

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void load_kernel_names(void)
{
    char *text = ks_read_file("/proc/kallsyms", NULL);
    if (!text)
        return;
    size_t cap = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        char *sp = strchr(line, ' ');
        if (!sp || !sp[1] || (sp[1] != 't' && sp[1] != 'T' && sp[1] != 'w' && sp[1] != 'W'))
            continue;
        char *name = sp + 3;
        name[strcspn(name, "\t ")] = '\0';
        if (g_nksyms == cap) {
            cap = cap ? cap * 2 : 65536;
            g_ksyms = ks_xrealloc(g_ksyms, cap * sizeof(*g_ksyms));
        }
        g_ksyms[g_nksyms++] = name;
    }
    qsort(g_ksyms, g_nksyms, sizeof(*g_ksyms), cmp_str);
}

static bool kernel_name(const char *name, size_t len)
{
    if (!g_nksyms || len >= 256)
        return false;
    char b[256];
    memcpy(b, name, len);
    b[len] = '\0';
    const char *key = b;
    return bsearch(&key, g_ksyms, g_nksyms, sizeof(*g_ksyms), cmp_str) != NULL;
}

/* One folded line: frames separated by ';', the count after the last space. */
static void add_line(char *line)
{
    size_t len = strcspn(line, "\r\n");
    line[len] = '\0';
    char *sp = strrchr(line, ' ');
    char *end;
    if (!sp || sp == line) {
        g_ignored += len > 0;
        return;
    }
    errno = 0;
    unsigned long long v = strtoull(sp + 1, &end, 10);
    if (errno || *end || end == sp + 1 || sp[1] == '-') {
        g_ignored++;
        return;
    }
    *sp = '\0';
    if (!v)
        return;
    bool delimited = strstr(line, ";-;") || strstr(line, ";--;");
    bool after_delim = false;
    struct node *n = &g_root;
    n->value += v;
    int depth = 0;
    char *f = line;
    for (int first = 1; f; first = 0) {
        char *semi = strchr(f, ';');
        size_t flen = semi ? (size_t)(semi - f) : strlen(f);
        if (flen == 0) {
            f = semi ? semi + 1 : NULL;
            continue;
        }
        if (!first && (flen == 1 || flen == 2) && !strncmp(f, "--", flen)) {
            after_delim = true; /* the frames that follow are the kernel's */
            f = semi ? semi + 1 : NULL;
            continue;
        }
        int kind = 0;
        if (first) {
            kind = 2;
        } else if (flen > 4 && !memcmp(f + flen - 4, "_[k]", 4)) {
            kind = 1;
            flen -= 4;
        } else if (after_delim || (!delimited && kernel_name(f, flen))) {
            kind = 1;
        }
        n = child(n, f, flen, kind);
        n->value += v;
        if (++depth > g_maxdepth)
            g_maxdepth = depth;
        f = semi ? semi + 1 : NULL;
    }
}

static void read_stream(FILE *in)
{
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, in) > 0)
        add_line(line);
    free(line);
}

static void xml(FILE *out, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&apos;", out); break;
        default:
            if ((unsigned char)*s >= 0x20 || *s == '\t')
                fputc(*s, out);
        }
    }
}

static unsigned hash(const char *s)
{
    unsigned h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* Warm colours for user code, cool blues for the kernel, grey for process names. */
static void colour(const struct node *n, char *buf, size_t size)
{
    unsigned h = hash(n->name);
    if (n->kind == 2)
        snprintf(buf, size, "rgb(%u,%u,%u)", 160 + h % 30, 160 + h % 30, 170 + h % 30);
    else if (n->kind == 1)
        snprintf(buf, size, "rgb(%u,%u,%u)", 70 + h % 50, 140 + (h >> 8) % 60, 200 + (h >> 16) % 55);
    else
        snprintf(buf, size, "rgb(%u,%u,%u)", 205 + h % 50, 60 + (h >> 8) % 150, 40 + (h >> 16) % 40);
}

#define FRAME_H 16
#define TOP 64
static double g_width = 1200, g_xpad = 10;
static const char *g_count_name = "samples";

static void emit(FILE *out, const struct node *n, unsigned long long start, int depth,
                 unsigned long long total, int *id)
{
    double scale = (g_width - 2 * g_xpad) / (double)total;
    double w = (double)n->value * scale;
    if (w < 0.1)
        return; /* too narrow to see at full view */
    double x = g_xpad + (double)start * scale;
    double y = TOP + (double)(g_maxdepth - depth) * FRAME_H;
    char fill[40];
    colour(n, fill, sizeof(fill));
    fprintf(out, "<g class=\"f\" id=\"f%d\" data-s=\"%llu\" data-v=\"%llu\" data-d=\"%d\" "
                 "data-k=\"%s\"><title>",
            (*id)++, start, n->value, depth,
            n->kind == 1 ? "kernel" : n->kind == 2 ? "process" : "user");
    xml(out, n->name);
    fprintf(out, " (%llu %s, %.2f%%)</title><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                 "height=\"%d\" fill=\"%s\" rx=\"2\"/><text x=\"%.1f\" y=\"%.1f\">",
            n->value, g_count_name, 100.0 * (double)n->value / (double)total, x, y, w,
            FRAME_H - 1, fill, x + 3, y + FRAME_H - 4.5);
    fputs("</text><desc>", out);
    xml(out, n->name);
    fputs("</desc></g>\n", out);
    /* Callees sorted by name, as flame graphs are (time order is lost in folding). */
    struct node **kids = ks_xmalloc((n->nkids ? n->nkids : 1) * sizeof(*kids));
    if (n->nkids)
        memcpy(kids, n->kids, n->nkids * sizeof(*kids));
    for (size_t i = 1; i < n->nkids; i++)
        for (size_t j = i; j > 0 && strcmp(kids[j - 1]->name, kids[j]->name) > 0; j--) {
            struct node *t = kids[j];
            kids[j] = kids[j - 1];
            kids[j - 1] = t;
        }
    unsigned long long s = start;
    for (size_t i = 0; i < n->nkids; i++) {
        emit(out, kids[i], s, depth + 1, total, id);
        s += kids[i]->value;
    }
    free(kids);
}

/* The script: text fitting, hover details, zoom, search. Plain ES5, no libraries. */
static const char *g_script =
    "var W = %.1f, XPAD = %.1f, TOTAL = %llu, UNIT = '%s';\n"
    "var frames = [], details, matchedText, zoomed = null;\n"
    "function attr(g, a) { return parseFloat(g.getAttribute(a)); }\n"
    "function fit(g) {\n"
    "  var r = g.querySelector('rect'), t = g.querySelector('text');\n"
    "  var name = g.querySelector('desc').textContent, w = attr(r, 'width');\n"
    "  t.setAttribute('x', attr(r, 'x') + 3);\n"
    "  var chars = Math.floor((w - 6) / 7);\n"
    "  t.textContent = chars < 3 ? '' : name.length <= chars ? name : name.substr(0, chars - 2) + '..';\n"
    "}\n"
    "function place(g, x, w) {\n"
    "  var r = g.querySelector('rect');\n"
    "  r.setAttribute('x', x); r.setAttribute('width', w); fit(g);\n"
    "}\n"
    "function zoom(z) {\n"
    "  zoomed = z;\n"
    "  var zs = attr(z, 'data-s'), zv = attr(z, 'data-v'), zd = attr(z, 'data-d');\n"
    "  var scale = (W - 2 * XPAD) / zv;\n"
    "  frames.forEach(function (g) {\n"
    "    var s = attr(g, 'data-s'), v = attr(g, 'data-v'), d = attr(g, 'data-d');\n"
    "    var inside = s >= zs && s + v <= zs + zv, below = d < zd && s <= zs && s + v >= zs + zv;\n"
    "    var w = v * scale;\n"
    "    if (below) { g.style.display = ''; g.setAttribute('class', 'f parent'); place(g, XPAD, W - 2 * XPAD); }\n"
    "    else if (inside && d >= zd && w >= 0.1) { g.style.display = ''; g.setAttribute('class', 'f'); place(g, XPAD + (s - zs) * scale, w); }\n"
    "    else { g.style.display = 'none'; }\n"
    "  });\n"
    "  document.getElementById('unzoom').style.display = attr(z, 'data-d') > 0 ? '' : 'none';\n"
    "}\n"
    "function search(re) {\n"
    "  var rx = null;\n"
    "  try { rx = re ? new RegExp(re) : null; } catch (e) { matchedText.textContent = 'bad regex'; return; }\n"
    "  var hit = [];\n"
    "  frames.forEach(function (g) {\n"
    "    var m = rx && rx.test(g.querySelector('desc').textContent);\n"
    "    g.querySelector('rect').setAttribute('class', m ? 'match' : '');\n"
    "    if (m) hit.push([attr(g, 'data-s'), attr(g, 'data-s') + attr(g, 'data-v')]);\n"
    "  });\n"
    "  /* Matched share: the union of the matching ranges (nested matches count once). */\n"
    "  hit.sort(function (a, b) { return a[0] - b[0]; });\n"
    "  var sum = 0, end = -1;\n"
    "  hit.forEach(function (h) { if (h[0] >= end) { sum += h[1] - h[0]; end = h[1]; } else if (h[1] > end) { sum += h[1] - end; end = h[1]; } });\n"
    "  matchedText.textContent = rx ? 'Matched: ' + (100 * sum / TOTAL).toFixed(2) + '%%' : '';\n"
    "  document.documentElement.setAttribute('data-matched', rx ? String(hit.length) : '');\n"
    "}\n"
    "function init() {\n"
    "  frames = Array.prototype.slice.call(document.querySelectorAll('g.f'));\n"
    "  details = document.getElementById('details');\n"
    "  matchedText = document.getElementById('matched');\n"
    "  frames.forEach(function (g) {\n"
    "    fit(g);\n"
    "    g.addEventListener('click', function () { zoom(g); });\n"
    "    g.addEventListener('mouseover', function () { details.textContent = g.querySelector('title').textContent; });\n"
    "    g.addEventListener('mouseout', function () { details.textContent = ' '; });\n"
    "  });\n"
    "  document.getElementById('unzoom').addEventListener('click', function () { zoom(frames[0]); });\n"
    "  var box = document.getElementById('search');\n"
    "  box.addEventListener('input', function () { search(box.value); });\n"
    "  var h = decodeURIComponent(location.hash || '');\n"
    "  var m = /[#&]s=([^&]*)/.exec(h); if (m) { box.value = m[1]; search(m[1]); }\n"
    "  m = /[#&]z=(f[0-9]+)/.exec(h); if (m && document.getElementById(m[1])) zoom(document.getElementById(m[1]));\n"
    "  document.documentElement.setAttribute('data-ready', '1');\n"
    "}\n"
    "window.addEventListener('error', function (e) {\n"
    "  var r = document.documentElement;\n"
    "  r.setAttribute('data-errors', (r.getAttribute('data-errors') || '') + e.message + ';');\n"
    "});\n"
    "window.addEventListener('load', init);\n";

static void usage(FILE *f)
{
    fprintf(f,
            "usage: kscope-flamegraph [options] [FILE...]\n\n"
            "Turn folded stacks (profile -f, offcputime -f, ...) into an interactive SVG flame\n"
            "graph: hover for counts, click to zoom, search with the box (or #s=REGEX in the\n"
            "address). Reads the FILEs, or standard input.\n\n"
            "options:\n"
            "  -h, --help              show this help message and exit\n"
            "  -o, --output FILE       write the SVG to FILE (default: standard output)\n"
            "  -t, --title TEXT        title (default \"Flame Graph\")\n"
            "  -w, --width PIXELS      image width (default 1200)\n"
            "  -c, --countname NAME    what the counts are (default \"samples\"; \"us\" for\n"
            "                          offcputime)\n\n"
            "examples:\n"
            "    profile -f 10 | kscope-flamegraph > cpu.svg\n"
            "    offcputime -f 5 | kscope-flamegraph -c us -t 'Off-CPU Time' > offcpu.svg\n"
            "    kscope-flamegraph -o cpu.svg stacks.folded\n");
}

int main(int argc, char **argv)
{
    ks_set_prog("kscope-flamegraph");
    const char *outpath = NULL, *title = "Flame Graph";
    static const struct option lopts[] = {
        {"help", no_argument, NULL, 'h'},       {"output", required_argument, NULL, 'o'},
        {"title", required_argument, NULL, 't'}, {"width", required_argument, NULL, 'w'},
        {"countname", required_argument, NULL, 'c'}, {NULL, 0, NULL, 0},
    };
    int ch;
    long width;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":ho:t:w:c:", lopts, NULL)) != -1) {
        switch (ch) {
        case 'h':
            usage(stdout);
            return 0;
        case 'o':
            outpath = optarg;
            break;
        case 't':
            title = optarg;
            break;
        case 'c':
            g_count_name = optarg;
            break;
        case 'w':
            if (!ks_parse_long(optarg, 200, 100000, &width))
                ks_usage_error("invalid width '%s' (200-100000 pixels)", optarg);
            g_width = (double)width;
            break;
        case ':':
            ks_usage_error("option '%s' needs a value", argv[optind - 1]);
        default:
            ks_usage_error("unrecognized option '%s'", argv[optind - 1]);
        }
    }
    load_kernel_names();
    if (optind == argc) {
        read_stream(stdin);
    } else {
        for (int i = optind; i < argc; i++) {
            FILE *f = fopen(argv[i], "re");
            if (!f) {
                ks_err("cannot read %s: %s", argv[i], strerror(errno));
                return 1;
            }
            read_stream(f);
            fclose(f);
        }
    }
    if (g_ignored)
        ks_warn("ignored %llu line%s that %s not folded stacks (\"frame;frame COUNT\")",
                g_ignored, g_ignored == 1 ? "" : "s", g_ignored == 1 ? "is" : "are");
    FILE *out = stdout;
    if (outpath && !(out = fopen(outpath, "we"))) {
        ks_err("cannot write %s: %s", outpath, strerror(errno));
        return 1;
    }
    int height = TOP + (g_maxdepth + 1) * FRAME_H + 30;
    fprintf(out,
            "<?xml version=\"1.0\" standalone=\"no\"?>\n"
            "<svg version=\"1.1\" xmlns=\"http://www.w3.org/2000/svg\" "
            "xmlns:xhtml=\"http://www.w3.org/1999/xhtml\" width=\"%.0f\" height=\"%d\" "
            "viewBox=\"0 0 %.0f %d\">\n"
            "<style>\n"
            "text { font-family: monospace; font-size: 12px; fill: #000; }\n"
            "g.f { cursor: pointer; } g.f:hover rect { stroke: #000; stroke-width: 0.5; }\n"
            "g.parent { opacity: 0.6; } rect.match { fill: rgb(230,0,230); }\n"
            "#title { font-size: 17px; text-anchor: middle; }\n"
            "</style>\n"
            "<rect width=\"100%%\" height=\"100%%\" fill=\"#f8f8f8\"/>\n"
            "<text id=\"title\" x=\"%.1f\" y=\"22\">",
            g_width, height, g_width, height, g_width / 2);
    xml(out, title);
    fprintf(out,
            "</text>\n"
            "<text id=\"unzoom\" x=\"10\" y=\"22\" style=\"display:none;cursor:pointer\">Reset "
            "Zoom</text>\n"
            "<rect x=\"10\" y=\"34\" width=\"12\" height=\"12\" fill=\"rgb(230,120,50)\"/>"
            "<text x=\"26\" y=\"45\">user</text>\n"
            "<rect x=\"70\" y=\"34\" width=\"12\" height=\"12\" fill=\"rgb(90,165,225)\"/>"
            "<text x=\"86\" y=\"45\">kernel</text>\n"
            "<foreignObject x=\"%.1f\" y=\"8\" width=\"220\" height=\"24\">"
            "<xhtml:input id=\"search\" placeholder=\"Search (regex)\" "
            "style=\"width:200px;font:12px monospace\"/></foreignObject>\n"
            "<text id=\"matched\" x=\"%.1f\" y=\"45\" style=\"text-anchor:end\"> </text>\n"
            "<text id=\"details\" x=\"10\" y=\"%d\"> </text>\n",
            g_width - 230, g_width - 10, height - 10);
    int id = 0;
    if (g_root.value)
        emit(out, &g_root, 0, 0, g_root.value, &id);
    fprintf(out, "<script type=\"text/ecmascript\"><![CDATA[\n");
    fprintf(out, g_script, g_width, g_xpad, g_root.value ? g_root.value : 1ull, g_count_name);
    fprintf(out, "]]></script>\n</svg>\n");
    if (fflush(out) != 0 || (out != stdout && fclose(out) != 0)) {
        ks_err("cannot write the SVG: %s", strerror(errno));
        return 1;
    }
    return 0;
}
