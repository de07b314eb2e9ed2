/* pktcount: count received packets per network interface (kscope's teaching example,
 * explained line by line in docs/writing-a-tool.md).
 *
 * The tool prepends a prelude of #define lines to this text (see it with --ebpf): for
 * the probe named "receive", KS_TP_receive when the tracepoint was chosen, or
 * KS_KP_receive = 1 when the kernel has no such tracepoint and the first kprobe fallback
 * was. Only the chosen variant is compiled. */

#define NAME_LEN 16 /* IFNAMSIZ: an interface name and its NUL */

/* The map's key: the interface's name, zero-padded, so that equal names are equal keys. */
struct key {
    char name[NAME_LEN];
};

/* name -> packets received since the tool started. User space reads it at each interval
 * and prints the growth; nothing here is ever reset, so nothing is lost between a read and
 * a reset. */
BPF_HASH(packets, struct key, u64, 1024);

#ifdef KS_TP_receive
/* net:netif_receive_skb fires for every packet the stack takes in, whichever way the
 * driver delivered it. Its fields (tracefs events/net/netif_receive_skb/format): skbaddr,
 * len, and name, the device's name as a __data_loc string: the field holds the string's
 * offset from the start of the record (low 16 bits) and its length (high 16 bits). */
TRACEPOINT_PROBE(net, netif_receive_skb)
{
    struct key k = {};
    unsigned short offset = args->data_loc_name & 0xFFFF;
    ks_probe_read_kernel_str(&k.name, sizeof(k.name), (char *)args + offset);
    packets.increment(k); /* an atomic add, creating the entry at 0 when new */
    return 0;
}
#elif defined(KS_KP_receive)
/* The kprobe fallback: int netif_receive_skb(struct sk_buff *skb). The name is read from
 * skb->dev->name: struct reads, which a kprobe path may do (its headers must match the
 * kernel anyway). This function sees only the packets a driver hands to it directly. */
#include <linux/netdevice.h>
#include <linux/skbuff.h>
int kp_receive(struct pt_regs *ctx, struct sk_buff *skb)
{
    struct key k = {};
    struct net_device *dev = NULL;
    ks_probe_read_kernel(&dev, sizeof(dev), &skb->dev);
    if (!dev)
        return 0;
    ks_probe_read_kernel_str(&k.name, sizeof(k.name), dev->name);
    packets.increment(k);
    return 0;
}
#endif
