/* ks_util: messages for people, small strings, number parsing. */
#ifndef KS_UTIL_H
#define KS_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <stdint.h>

/* The tool's name as the user typed it (basename of argv[0] or the tool table name). */
extern const char *ks_prog;
/* Set by -v: ks_info() prints only then. */
extern int ks_verbose;

void ks_set_prog(const char *name);
/* "prog: error: ..." on stderr. */
void ks_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ks_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Only with -v. */
void ks_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable string; never fails (aborts on out-of-memory, which a tracer cannot recover from). */
struct ks_buf {
    char *s;
    size_t len, cap;
};
void ks_buf_add(struct ks_buf *b, const char *s);
void ks_buf_addn(struct ks_buf *b, const void *s, size_t n);
void ks_buf_printf(struct ks_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ks_buf_free(struct ks_buf *b);

void *ks_xmalloc(size_t n);
void *ks_xcalloc(size_t n, size_t m);
void *ks_xrealloc(void *p, size_t n);
char *ks_xstrdup(const char *s);

/* Whole decimal number within [min, max]; false on anything else ("12x", "", overflow). */
bool ks_parse_long(const char *s, long min, long max, long *out);
bool ks_parse_u64(const char *s, uint64_t *out);

/* Read a whole (small) file; NULL on error. *len may be NULL. */
char *ks_read_file(const char *path, size_t *len);

/* A fixed-size char array of a BPF event (n bytes, NUL-terminated or not) as a C string in
 * dst, which holds n + 1 bytes. Returns dst. */
static inline char *ks_event_str(char *dst, const char *src, size_t n)
{
    memcpy(dst, src, n);
    dst[n] = '\0';
    return dst;
}
bool ks_path_exists(const char *path);
bool ks_is_dir(const char *path);
bool ks_is_file(const char *path);
/* Remove a directory tree (rm -rf; symbolic links are removed, not followed). */
void ks_rmtree(const char *path);

/* In "key value" lines, the value of the first line with this key (to the line's end). */
bool ks_text_field(const char *text, const char *key, char *out, size_t size);

/* Run a command (argv[0] looked up in PATH), stdin and stdout on /dev/null; the first line
 * of its stderr goes to msg. Returns its exit status (-1: could not start, 128: killed). */
int ks_run(char *const argv[], char *msg, size_t size);

/* Monotonic and wall clock in nanoseconds. */
uint64_t ks_now_ns(void);
uint64_t ks_wall_ns(void);

/* Join a prefix (may be NULL or "") and an absolute path into buf. */
const char *ks_join(char *buf, size_t size, const char *prefix, const char *path);

#endif
