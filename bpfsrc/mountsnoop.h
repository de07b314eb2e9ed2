/* mountsnoop.h: the event mountsnoop's BPF program sends per mount() or umount() call. */
#ifndef MOUNTSNOOP_H
#define MOUNTSNOOP_H

#define MOUNTSNOOP_STR_LEN 256

enum mountsnoop_call { MOUNTSNOOP_MOUNT, MOUNTSNOOP_UMOUNT };

struct mountsnoop_event {
    __u64 flags;
    __u32 pid; /* process id (tgid) */
    __u32 tid;
    __u32 ppid;     /* -P; 0: not known */
    __u32 mnt_ns;   /* valid when has_mnt_ns */
    __u32 has_mnt_ns; /* the mount namespace could be read (struct reads allowed) */
    __s32 ret;
    __u32 call; /* enum mountsnoop_call */
    __u32 pad;
    char comm[16];
    /* mount: source, target, file system type, data; umount: target */
    char str[4][MOUNTSNOOP_STR_LEN];
};

#endif
