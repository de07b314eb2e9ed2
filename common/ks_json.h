/* ks_json: the one JSON writer. Streams straight into a stdio FILE (its buffer does the
 * batching), keeps no heap memory, and always produces valid JSON in valid UTF-8, whatever
 * bytes a string holds (kernel strings can hold any byte; the rule is in docs/json.md):
 *   - '"', '\\' and control characters (U+0000-U+001F, U+007F) are escaped;
 *   - every byte that does not start a valid UTF-8 sequence (overlongs, surrogates,
 *     code points above U+10FFFF and truncated sequences included) becomes U+FFFD,
 *     written as the escape \ufffd, one per invalid byte;
 *   - valid UTF-8 passes through unchanged.
 * Compact by default (JSON Lines: the caller ends each top-level value with ks_json_nl);
 * with indent > 0 each member goes on its own line (kscope-doctor --json). */
#ifndef KS_JSON_H
#define KS_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define KS_JSON_MAX_DEPTH 32

struct ks_json {
    FILE *out;
    int depth;
    int indent;      /* spaces per level; 0: compact */
    uint32_t more;   /* bit d: the container at depth d already has a member */
    uint32_t arrays; /* bit d: the container at depth d is an array */
};

void ks_json_init(struct ks_json *j, FILE *out, int indent);

/* Every value function takes the member's key: a string inside an object, NULL inside an
 * array or at the top. */
void ks_json_object(struct ks_json *j, const char *key);             /* { */
void ks_json_array(struct ks_json *j, const char *key);              /* [ */
void ks_json_end(struct ks_json *j);                                 /* } or ], whichever is open */
void ks_json_str(struct ks_json *j, const char *key, const char *s); /* NULL: null */
void ks_json_strn(struct ks_json *j, const char *key, const char *s, size_t n);
void ks_json_int(struct ks_json *j, const char *key, int64_t v);
void ks_json_uint(struct ks_json *j, const char *key, uint64_t v);
void ks_json_double(struct ks_json *j, const char *key, double v); /* NaN, inf: null */
void ks_json_bool(struct ks_json *j, const char *key, bool v);
void ks_json_null(struct ks_json *j, const char *key);
/* Ends a top-level value: a newline (one JSON Lines record). */
void ks_json_nl(struct ks_json *j);

/* A JSON string (with its quotes) from n bytes, by the rule above: the building block. */
void ks_json_write_string(FILE *out, const char *s, size_t n);

#endif
