#define PCRE2_CODE_UNIT_WIDTH 8
#include "ks_regex.h"

#include <pcre2.h>
#include <stdlib.h>

#include "ks_opts.h"
#include "ks_util.h"

struct ks_regex {
    pcre2_code *code;
    pcre2_match_data *md;
};

struct ks_regex *ks_regex_compile(const char *pattern, const char *option)
{
    int rc;
    PCRE2_SIZE off;
    pcre2_code *code =
        pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, 0, &rc, &off, NULL);
    if (!code) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(rc, msg, sizeof(msg));
        ks_usage_error("invalid regex for %s at offset %zu: %s", option, (size_t)off,
                       (const char *)msg);
    }
    /* JIT where the library has it: these run on every event. */
    pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
    struct ks_regex *re = ks_xcalloc(1, sizeof(*re));
    re->code = code;
    re->md = pcre2_match_data_create_from_pattern(code, NULL);
    return re;
}

bool ks_regex_search(const struct ks_regex *re, const char *s, size_t len)
{
    return pcre2_match(re->code, (PCRE2_SPTR)s, len, 0, 0, re->md, NULL) >= 0;
}

void ks_regex_free(struct ks_regex *re)
{
    if (!re)
        return;
    pcre2_match_data_free(re->md);
    pcre2_code_free(re->code);
    free(re);
}
