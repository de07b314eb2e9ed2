/* mdflush: flush requests (REQ_PREFLUSH) sent to md software RAID devices.
 *
 * md_flush_request(mddev, bio) is called by every md personality for a bio that asks for
 * a cache flush; the bio's disk is the md device. No tracepoint marks it (block
 * tracepoints see the member disks' requests, not the md device's flush). The disk is
 * bio->bi_disk from 4.14 to 5.11, bio->bi_bdev->bd_disk before and since: struct reads,
 * on this kprobe path with the kernel's own headers.
 *
 * Configured by the prelude: KS_KP_flush. */
#include <linux/blkdev.h>
#include <linux/bio.h>

#ifdef KS_KP_flush
int kp_flush(struct pt_regs *ctx)
{
    struct bio *bio = (struct bio *)PT_REGS_PARM2(ctx);
    struct gendisk *disk = NULL;
    struct mdflush_event e = {};
    e.pid = bpf_get_current_pid_tgid() >> 32;
    bpf_get_current_comm(&e.comm, sizeof(e.comm));
#if LINUX_VERSION_CODE >= KERNEL_VERSION(4, 14, 0) && LINUX_VERSION_CODE < KERNEL_VERSION(5, 12, 0)
    ks_probe_read_kernel(&disk, sizeof(disk), &bio->bi_disk);
#else
    struct block_device *bdev = NULL;
    ks_probe_read_kernel(&bdev, sizeof(bdev), &bio->bi_bdev);
    if (bdev)
        ks_probe_read_kernel(&disk, sizeof(disk), &bdev->bd_disk);
#endif
    if (disk)
        ks_probe_read_kernel_str(e.disk, sizeof(e.disk), disk->disk_name);
    ks_submit(ctx, &e, sizeof(e));
    return 0;
}
#endif
