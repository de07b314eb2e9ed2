/* ks_regex: the regular expressions users give to -n/-l style options.
 *
 * BCC's tools take Python `re` patterns and search with re.search() on bytes. PCRE2 (the
 * Perl-compatible library, Debian's libpcre2) reads the same syntax for what people write:
 * \d \w \s \b, (?i), non-greedy *?, lookahead, (?P<name>...), {m,n}. It runs here without
 * UTF or Unicode properties, as Python's bytes patterns do (\d is [0-9]). */
#ifndef KS_REGEX_H
#define KS_REGEX_H

#include <stdbool.h>
#include <stddef.h>

struct ks_regex;

/* Help text for options that take one (so every tool says the same). */
#define KS_REGEX_SYNTAX "(a regex: Python re syntax, by PCRE2)"

/* Compile; on a bad pattern a usage error (exit 2) naming the option and the reason. */
struct ks_regex *ks_regex_compile(const char *pattern, const char *option);
/* Like re.search(): true when the pattern matches anywhere in s[0..len). */
bool ks_regex_search(const struct ks_regex *re, const char *s, size_t len);
void ks_regex_free(struct ks_regex *re);

#endif
