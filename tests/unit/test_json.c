/* ks_json: exact output for the cases the rule in docs/json.md names. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "ks_json.h"
#include "ks_test.h"

/* The writer's output for one string of n bytes. */
static char *enc(const char *s, size_t n)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    ks_json_write_string(f, s, n);
    fclose(f);
    return out;
}

#define ENC(lit, want)                                                                             \
    do {                                                                                           \
        char *got_ = enc(lit, sizeof(lit) - 1);                                                    \
        CHECK_STREQ(got_, want);                                                                   \
        free(got_);                                                                                \
    } while (0)

int main(void)
{
    ENC("", "\"\"");
    ENC("plain /etc/passwd", "\"plain /etc/passwd\"");
    ENC("q\"b\\", "\"q\\\"b\\\\\"");
    ENC("\n\t\r\b\f", "\"\\n\\t\\r\\b\\f\"");
    ENC("\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"");
    ENC("a\0b", "\"a\\u0000b\"");
    /* Valid UTF-8 of every length passes through. */
    ENC("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
    /* Each invalid byte: one U+FFFD. */
    ENC("\xff", "\"\\ufffd\"");
    ENC("\x80x", "\"\\ufffdx\"");
    ENC("\xc0\xaf", "\"\\ufffd\\ufffd\"");                       /* overlong '/' */
    ENC("\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"");            /* overlong */
    ENC("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");            /* surrogate U+D800 */
    ENC("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\""); /* above U+10FFFF */
    ENC("\xe2\x82", "\"\\ufffd\\ufffd\"");                       /* truncated at the end */
    ENC("\xe2\x82z", "\"\\ufffd\\ufffdz\"");                     /* truncated before ASCII */

    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    struct ks_json j;
    ks_json_init(&j, f, 0);
    ks_json_object(&j, NULL);
    ks_json_int(&j, "min", INT64_MIN);
    ks_json_int(&j, "neg", -1);
    ks_json_uint(&j, "max", UINT64_MAX);
    ks_json_double(&j, "half", 0.5);
    ks_json_double(&j, "tenth", 0.1);
    ks_json_double(&j, "nan", 0.0 / 0.0);
    ks_json_bool(&j, "t", true);
    ks_json_str(&j, "none", NULL);
    ks_json_array(&j, "empty");
    ks_json_end(&j);
    ks_json_array(&j, "a");
    ks_json_uint(&j, NULL, 0);
    ks_json_object(&j, NULL);
    ks_json_end(&j);
    ks_json_null(&j, NULL);
    ks_json_end(&j);
    ks_json_end(&j);
    ks_json_nl(&j);
    ks_json_object(&j, NULL); /* a second record: no comma before it */
    ks_json_end(&j);
    ks_json_nl(&j);
    fclose(f);
    CHECK_STREQ(out, "{\"min\":-9223372036854775808,\"neg\":-1,\"max\":18446744073709551615,"
                     "\"half\":0.5,\"tenth\":0.1,\"nan\":null,\"t\":true,\"none\":null,"
                     "\"empty\":[],\"a\":[0,{},null]}\n{}\n");
    free(out);

    /* Indented, as kscope-doctor prints. */
    f = open_memstream(&out, &len);
    ks_json_init(&j, f, 2);
    ks_json_object(&j, NULL);
    ks_json_int(&j, "a", 1);
    ks_json_array(&j, "b");
    ks_json_str(&j, NULL, "x");
    ks_json_end(&j);
    ks_json_array(&j, "c");
    ks_json_end(&j);
    ks_json_end(&j);
    ks_json_nl(&j);
    fclose(f);
    CHECK_STREQ(out, "{\n  \"a\": 1,\n  \"b\": [\n    \"x\"\n  ],\n  \"c\": []\n}\n");
    free(out);
    return ks_test_done("json");
}
