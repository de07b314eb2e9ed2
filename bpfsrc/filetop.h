/* filetop.h: a row of filetop's in-kernel table (bpfsrc/filetop.bpf.c, tools/filetop.c). */
#ifndef FILETOP_H
#define FILETOP_H

/* BCC's DNAME_INLINE_LEN (32): longer names are shown cut, with "...". One byte more for
 * the NUL of a 32-character name. */
#define FILETOP_NAME_MAX 32

struct filetop_key {
    __u64 inode; /* the file: inode and device tell two files of one name apart */
    __u32 dev;   /* the file system's (s_dev, the kernel's encoding) */
    __u32 rdev;  /* a device file's own device */
    __u32 tid;   /* the thread (BCC's TID column) */
    __u32 name_len; /* the name's whole length (d_name.len) */
    char comm[16];
    char name[FILETOP_NAME_MAX + 8]; /* NUL-terminated, at most FILETOP_NAME_MAX chars */
    char type;   /* 'R' regular, 'S' socket, 'O' other */
    char pad[7];
};

struct filetop_val {
    __u64 reads;
    __u64 writes;
    __u64 rbytes; /* bytes asked for (the count argument), as BCC */
    __u64 wbytes;
};

#endif
