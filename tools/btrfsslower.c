/* btrfsslower: trace common btrfs file operations slower than a threshold (BCC's
 * btrfsslower). One implementation for the family: common/ks_fsslower.c, whose table
 * names btrfs's functions; bpfsrc/fsslower.bpf.c. */
#include "ks_fsslower.h"

int main(int argc, char **argv)
{
    return ks_fsslower_main("btrfs", argc, argv);
}
