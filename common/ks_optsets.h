/* ks_optsets: per tool, the option sets that change its BPF program. The 4.x
 * compatibility check compiles each of them for old kernels; kscope-cache build compiles
 * each for a target kernel, so a machine without a compiler has every program a tool's
 * common options need. A new tool adds its lines here (the compat check refuses a tool
 * without any). Options that put a number into the program (-p PID, -u UID) can only be
 * built for that number; such runs compile on the target. */
#ifndef KS_OPTSETS_H
#define KS_OPTSETS_H

struct ks_optset {
    const char *tool;
    const char *opts; /* space-separated; "" for the defaults */
    /* An option that needs a newer kernel than the tool itself, as BCC's does (a
     * KERNEL_VERSION code, 0: none): older kernels do not count it against the tool. */
    unsigned since;
    const char *since_why;
};

extern const struct ks_optset ks_optsets[];
extern const int ks_noptsets;

#endif
