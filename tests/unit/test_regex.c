/* Unit tests of ks_regex: Python re syntax as BCC's users write it, searched like
 * re.search() (anywhere in the text, bytes, no Unicode classes). */
#include <string.h>

#include "ks_regex.h"
#include "ks_test.h"

static bool search(const char *pattern, const char *text)
{
    struct ks_regex *re = ks_regex_compile(pattern, "-l");
    bool hit = ks_regex_search(re, text, strlen(text));
    ks_regex_free(re);
    return hit;
}

int main(void)
{
    CHECK(search("MARK\\d", "/bin/echo MARK7 x"));          /* \d: POSIX ERE has none */
    CHECK(!search("MARK\\d", "/bin/echo MARKx"));
    CHECK(search("^/bin/echo", "/bin/echo hi"));             /* anchored at the start */
    CHECK(!search("^echo", "/bin/echo hi"));                 /* search, not fullmatch */
    CHECK(search("(?i)tpkg", "run TPKG now"));               /* inline flags */
    CHECK(search("a.*?b", "xaxxbxb"));                       /* non-greedy */
    CHECK(search("\\bword\\b", "a word here"));              /* \b */
    CHECK(!search("\\bword\\b", "swordfish"));
    CHECK(search("(?P<n>ab)(?P=n)", "xxababyy"));            /* Python's named groups */
    CHECK(search("foo(?=bar)", "foobar"));                   /* lookahead */
    CHECK(search("\\s\\w+$", "cmd arg"));
    CHECK(!search("\\d", "\xd9\xa3"));                       /* bytes: Arabic-Indic 3 is no \d */
    /* The length is honoured: a match past it does not count. */
    struct ks_regex *re = ks_regex_compile("tail", "-n");
    CHECK(!ks_regex_search(re, "head tail", 5));
    CHECK(ks_regex_search(re, "head tail", 9));
    ks_regex_free(re);
    return ks_test_done("unit-regex");
}
