/* ks_syscall: syscall, errno and open() flag names <-> numbers for this architecture.
 *
 * The tables are generated at build time from the build machine's <sys/syscall.h>,
 * <errno.h> and <fcntl.h> (cmake/syscall_tables.cmake), so a syscall newer than those headers has a
 * number but no name here. */
#ifndef KS_SYSCALL_H
#define KS_SYSCALL_H

#include <stddef.h>

struct ks_name_nr {
    const char *name;
    long nr;
};

/* The generated tables (sorted by name; errno aliases such as EWOULDBLOCK come last). */
extern const struct ks_name_nr ks_syscall_table[];
extern const unsigned ks_syscall_table_len;
extern const struct ks_name_nr ks_errno_table[];
extern const unsigned ks_errno_table_len;
extern const struct ks_name_nr ks_open_flag_table[]; /* every O_* the C library defines */
extern const unsigned ks_open_flag_table_len;

/* "getppid" for its number, or NULL when the headers did not know it. */
const char *ks_syscall_name(long nr);
/* The number of a syscall by name ("getppid"), or -1. */
long ks_syscall_nr(const char *name);
/* Every known syscall name, sorted (strcmp); *names points to a static array. */
size_t ks_syscall_names(const char *const **names);

/* "ENOENT" for 2 (the usual name when several share a number), or NULL. */
const char *ks_errno_name(int err);
/* The number of an errno name ("ENOENT", "EWOULDBLOCK"), or -1. */
int ks_errno_nr(const char *name);

/* Signals: "KILL" for 9 (no SIG prefix, as BCC prints them), or NULL for a number without a
 * name (real-time signals). */
const char *ks_signal_name(int sig);
/* The number of "SIGKILL", "KILL" (any case) or "9" (1-64), or -1. */
int ks_signal_nr(const char *name);

/* The value of an open() flag name ("O_WRONLY", "O_NDELAY"), or -1. */
long ks_open_flag(const char *name);

#endif
