/* ks_stacktool: what the stack tools (profile, offcputime, offwaketime, wakeuptime) share
 * above the runtime: BCC's comma-separated id lists (-p 185,186), their #defines for
 * kscope.bpf.h's pid_wanted()/tid_wanted(), the banner's "PID 185" text, and the handler
 * of the BPF program's "new process" notes (KS_NOTE_PIDS). */
#ifndef KS_STACKTOOL_H
#define KS_STACKTOOL_H

#include <stddef.h>

#include "ks_tool.h"

#define KS_ID_LIST_MAX 8

struct ks_id_list {
    int n;
    long v[KS_ID_LIST_MAX];
    const char *text; /* as typed */
};

/* KS_OPT_FUNC parser: "185" or "185,186" into a struct ks_id_list. */
bool ks_parse_id_list(const char *arg, void *dest);

/* NUM_PID, PID_0.. and NUM_TID, TID_0.. (either list may be empty), and a note on stderr
 * for each PID that is not running now (the tools still trace it, as BCC's do). */
void ks_stacktool_define_lists(struct ks_run *r, const struct ks_id_list *pids,
                               const struct ks_id_list *tids);

/* "PID 185,186" / "TID 188" for the banner, or "all threads". */
void ks_stacktool_thread_context(char *buf, size_t size, const struct ks_id_list *pids,
                                 const char *pid_word, const struct ks_id_list *tids,
                                 const char *tid_word);

/* on_event for KS_NOTE_PIDS: read the noted process's maps while it lives. */
void ks_stacktool_on_note(void *data, int size);

#endif
