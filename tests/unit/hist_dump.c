/* hist_dump VECTORS: print kscope's histogram for every vector in the file (format in
 * hist_vectors.txt), each after a "### <line>: <kind> <val_type> <n>" marker line.
 * check_hist.py prints BCC's for the same file the same way and compares. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_hist.h"

static int bad(const char *file, int line, const char *what, const char *tok)
{
    fprintf(stderr, "%s:%d: %s '%s'\n", file, line, what, tok ? tok : "");
    return 2;
}

static bool parse_u64(const char *s, uint64_t *out)
{
    if (!*s || *s < '0' || *s > '9')
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: hist_dump VECTORS\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "r");
    if (!f) {
        perror(argv[1]);
        return 2;
    }
    char *line = NULL;
    size_t cap = 0;
    int lineno = 0;
    while (getline(&line, &cap, f) > 0) {
        lineno++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *save = NULL;
        char *kind = strtok_r(line, " \t\r\n", &save);
        if (!kind)
            continue;
        char *type = strtok_r(NULL, " \t\r\n", &save);
        char *ntok = strtok_r(NULL, " \t\r\n", &save);
        uint64_t n;
        if (!type || !ntok || !parse_u64(ntok, &n) || n > 100000)
            return bad(argv[1], lineno, "bad vector header", ntok);
        if (strcmp(kind, "log2") != 0 && strcmp(kind, "linear") != 0)
            return bad(argv[1], lineno, "unknown kind", kind);
        uint64_t *vals = calloc(n ? n : 1, sizeof(uint64_t));
        uint64_t pos = 0;
        for (char *t; (t = strtok_r(NULL, " \t\r\n", &save));) {
            char *eq = strchr(t, '=');
            uint64_t v;
            if (eq) {
                *eq = '\0';
                if (!parse_u64(t, &pos))
                    return bad(argv[1], lineno, "bad slot", t);
                t = eq + 1;
            }
            if (!parse_u64(t, &v))
                return bad(argv[1], lineno, "bad value", t);
            if (pos >= n)
                return bad(argv[1], lineno, "slot out of range", t);
            vals[pos++] = v;
        }
        /* Into a memory stream, as a tool's output would go to any FILE *. */
        char *text = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&text, &len);
        if (!m)
            return bad(argv[1], lineno, "open_memstream failed", strerror(errno));
        if (!strcmp(kind, "log2"))
            ks_print_log2_hist(m, vals, (int)n, type);
        else
            ks_print_linear_hist(m, vals, (int)n, type);
        fclose(m);
        printf("### %d: %s %s %" PRIu64 "\n", lineno, kind, type, n);
        fwrite(text, 1, len, stdout);
        free(text);
        free(vals);
    }
    free(line);
    fclose(f);
    return fflush(stdout) == 0 ? 0 : 1;
}
