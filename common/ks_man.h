/* ks_man: a tool's man page, generated from its declaration (the options table that --help
 * prints, the examples, the probe table) plus optional prose in man/<tool>.man (embedded at
 * build time). `<tool> --man` prints it; the build writes man/man8/<tool>.8 that way, so the
 * page cannot drift from --help, and a new tool or option needs nothing extra. */
#ifndef KS_MAN_H
#define KS_MAN_H

#include <stdio.h>

#include "ks_util.h"

struct ks_tool;

/* The prose for the tool being built, from man/<tool>.man, or NULL: blocks of roff text,
 * each after a line "@DESCRIPTION", "@METRICS", "@BCC", "@REQUIREMENTS" or "@NOTES". */
extern const char ks_man_prose[] __attribute__((weak));

void ks_man_print(FILE *out, const struct ks_tool *t);

/* Text for roff: backslashes and minus signs escaped, a leading dot or quote protected. */
void ks_man_escape(struct ks_buf *b, const char *s);

#endif
