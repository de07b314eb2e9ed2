/* xfsslower: trace common xfs file operations slower than a threshold (BCC's
 * xfsslower). One implementation for the family: common/ks_fsslower.c, whose table
 * names xfs's functions; bpfsrc/fsslower.bpf.c. */
#include "ks_fsslower.h"

int main(int argc, char **argv)
{
    return ks_fsslower_main("xfs", argc, argv);
}
