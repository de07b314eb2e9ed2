#define _GNU_SOURCE
#include "ks_stacktool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_usyms.h"

bool ks_parse_id_list(const char *arg, void *dest)
{
    struct ks_id_list *l = dest;
    char *copy = ks_xstrdup(arg), *save = NULL;
    l->n = 0;
    l->text = arg;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (l->n == KS_ID_LIST_MAX)
            ks_usage_error("at most %d ids in a list: '%s'", KS_ID_LIST_MAX, arg);
        if (!ks_parse_long(t, 0, 0x3fffffff, &l->v[l->n]))
            ks_usage_error("invalid id '%s' in '%s' (positive numbers, separated by commas)",
                           t, arg);
        l->n++;
    }
    free(copy);
    return l->n > 0;
}

static void define_list(struct ks_run *r, const char *what, const struct ks_id_list *l)
{
    char name[32];
    snprintf(name, sizeof(name), "NUM_%s", what);
    ks_define(r, name, l->n, what[0] == 'P' ? "processes to trace" : "threads to trace");
    for (int i = 0; i < l->n; i++) {
        snprintf(name, sizeof(name), "%s_%d", what, i);
        ks_define(r, name, l->v[i], NULL);
    }
}

void ks_stacktool_define_lists(struct ks_run *r, const struct ks_id_list *pids,
                               const struct ks_id_list *tids)
{
    define_list(r, "PID", pids);
    define_list(r, "TID", tids);
    /* BCC's tools say nothing about an id that does not exist; say so, and trace anyway
     * (the process may start later). */
    for (int i = 0; i < pids->n && !r->opt.ebpf && !r->opt.check; i++) {
        char p[64];
        snprintf(p, sizeof(p), "/proc/%ld", pids->v[i]);
        if (!ks_path_exists(p))
            fprintf(stderr, "%s: note: no process %ld is running now; tracing it if it "
                            "appears\n",
                    ks_prog, pids->v[i]);
    }
}

void ks_stacktool_thread_context(char *buf, size_t size, const struct ks_id_list *pids,
                                 const char *pid_word, const struct ks_id_list *tids,
                                 const char *tid_word)
{
    if (pids && pids->n)
        snprintf(buf, size, "%s %s", pid_word, pids->text);
    else if (tids && tids->n)
        snprintf(buf, size, "%s %s", tid_word, tids->text);
    else
        snprintf(buf, size, "all threads");
}

void ks_stacktool_on_note(void *data, int size)
{
    uint32_t pid;
    if (size < (int)sizeof(pid))
        return;
    memcpy(&pid, data, sizeof(pid));
    ks_usyms_note(pid);
}
