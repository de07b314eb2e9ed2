#include "ks_optsets.h"

const struct ks_optset ks_optsets[] = {
    {"execsnoop", ""},
    {"execsnoop", "--max-args 64"}, /* the largest unrolled loop */
    {"opensnoop", ""},
    {"opensnoop", "-p 1"},
    {"opensnoop", "-u 0"},
    {"opensnoop", "-f O_WRONLY"},
    {"biolatency", ""},
    {"biolatency", "-Q"},
    {"biolatency", "-D"},
    {"biolatency", "-F"},
    {"syscount", ""},
    {"syscount", "-x"},
    {"syscount", "-P"},
    {"syscount", "-L"},
    {"syscount", "-P -L -x"},
    {"syscount", "-p 1 -e ENOENT --syscall openat"},
};
const int ks_noptsets = (int)(sizeof(ks_optsets) / sizeof(ks_optsets[0]));
