/* ext4slower: trace common ext4 file operations slower than a threshold (BCC's
 * ext4slower). One implementation for the family: common/ks_fsslower.c, whose table
 * names ext4's functions; bpfsrc/fsslower.bpf.c. */
#include "ks_fsslower.h"

int main(int argc, char **argv)
{
    return ks_fsslower_main("ext4", argc, argv);
}
