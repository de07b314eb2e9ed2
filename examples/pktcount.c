/* pktcount: received packets per network interface, per interval. kscope's smallest
 * complete tool, explained line by line in docs/writing-a-tool.md. */
#include <bcc/libbpf.h>
#include <stdlib.h>
#include <string.h>

#include "ks_maps.h"
#include "ks_record.h"
#include "ks_sys.h"
#include "ks_tool.h"

extern const char ks_bpfsrc_pktcount_bpf_c[];

#define NAME_LEN 16 /* the BPF map's key: an interface name, zero-padded */

static struct ks_probe probes[] = {
    {.name = "receive", .tp = "net:netif_receive_skb", .kprobes = {"netif_receive_skb"}},
};

enum { F_IFACE, F_PACKETS, NF };
static const struct ks_field fields[NF] = {
    [F_IFACE] = {.json = "interface", .type = KS_T_STR, .header = "INTERFACE",
                 .hfmt = "%-16s ", .fmt = "%-16s "},
    [F_PACKETS] = {.json = "packets", .type = KS_T_UINT, .header = "PACKETS", .hfmt = "%10s",
                   .fmt = "%10d"},
};
static struct ks_record rec = {.fields = fields, .nfields = NF};

/* Each interface's total at the previous output: the map's totals only grow. */
static struct {
    char name[NAME_LEN];
    uint64_t total;
} seen[1024]; /* as many as the map holds */
static size_t nseen;

static uint64_t growth(const char *name, uint64_t total)
{
    size_t i = 0;
    while (i < nseen && memcmp(seen[i].name, name, NAME_LEN))
        i++;
    if (i == nseen)
        memcpy(seen[nseen++].name, name, NAME_LEN);
    uint64_t before = seen[i].total;
    seen[i].total = total;
    return total - before;
}

static int by_name(const void *a, const void *b)
{
    return memcmp(a, b, NAME_LEN);
}

static void on_interval(struct ks_run *r)
{
    int fd = ks_map_fd(r, "packets");
    char *keys, t[16];
    size_t n = ks_map_keys(fd, NAME_LEN, (void **)&keys);
    qsort(keys, n, NAME_LEN, by_name);
    ks_interval_begin();
    ks_textf("\n%s\n", ks_time_str(t, sizeof(t), "%H:%M:%S"));
    ks_table_begin(&rec, "interface");
    for (size_t i = 0; i < n; i++) {
        char name[NAME_LEN + 1] = "";
        uint64_t total, packets;
        memcpy(name, keys + i * NAME_LEN, NAME_LEN);
        if (bpf_lookup_elem(fd, name, &total) != 0 || !(packets = growth(name, total)))
            continue;
        struct ks_val v[NF] = {[F_IFACE] = KS_S(name), [F_PACKETS] = KS_U(packets)};
        ks_record_emit(&rec, v);
    }
    ks_table_end();
    ks_interval_end();
    free(keys);
}

static void configure(struct ks_run *r)
{
    if (!r->opt.interval)
        r->opt.interval = 1; /* print every second unless told otherwise */
}

static void on_start(struct ks_run *r)
{
    (void)r;
    ks_textf("Counting received packets per interface... Hit Ctrl-C to end.\n");
}

static const struct ks_tool tool = {
    .spec = {.name = "pktcount",
             .json = true,
             .description = "Count received packets per network interface",
             .common = KS_C_INTERVAL,
             .examples = "    pktcount          # every second, until Ctrl-C\n"
                         "    pktcount 5 3      # every 5 seconds, three times\n"},
    .bpf_source = ks_bpfsrc_pktcount_bpf_c,
    .bpf_name = "pktcount.bpf.c",
    .probes = probes,
    .nprobes = 1,
    .configure = configure,
    .on_start = on_start,
    .on_interval = on_interval,
};

int main(int argc, char **argv)
{
    return ks_tool_main(&tool, argc, argv);
}
