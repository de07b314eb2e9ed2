/* nfsslower: trace common nfs file operations slower than a threshold (BCC's
 * nfsslower). One implementation for the family: common/ks_fsslower.c, whose table
 * names nfs's functions; bpfsrc/fsslower.bpf.c. */
#include "ks_fsslower.h"

int main(int argc, char **argv)
{
    return ks_fsslower_main("nfs", argc, argv);
}
