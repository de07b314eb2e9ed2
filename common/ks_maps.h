/* ks_maps: reading BPF maps from user space, for tools that summarise in the kernel.
 *
 * Per-CPU maps (BPF_PERCPU_ARRAY, BPF_PERCPU_HASH) let a BPF program count without atomic
 * instructions: each CPU has its own copy of every value. User space sees all the copies at
 * once: a lookup returns one value per possible CPU, each rounded up to 8 bytes, and adding
 * them up is the reader's job. */
#ifndef KS_MAPS_H
#define KS_MAPS_H

#include <stddef.h>
#include <stdint.h>

/* Number of possible CPUs as the kernel sizes per-CPU values: the highest id in
 * /sys/devices/system/cpu/possible, plus one. At least 1. */
int ks_possible_cpus(void);

/* Bytes a per-CPU lookup of a value_size value writes. */
size_t ks_percpu_size(unsigned value_size);

/* Look up a per-CPU map entry: every CPU's copy, ks_percpu_stride(value_size) bytes apart,
 * into buf, which must hold ks_percpu_size(value_size) bytes. Returns 0, or -1 with errno
 * set (ENOENT: no such key). */
int ks_percpu_lookup(int map_fd, const void *key, void *buf);
static inline size_t ks_percpu_stride(unsigned value_size)
{
    return ((size_t)value_size + 7) & ~(size_t)7;
}

/* For per-CPU values that begin with nfields u64 counters: sum[i] = field i added up over
 * every CPU. Returns 0, or -1 with errno set. */
int ks_percpu_sum_u64(int map_fd, const void *key, unsigned value_size, uint64_t *sum,
                      unsigned nfields);

/* A per-CPU array of u64 counters (keys 0..n-1) that the BPF program only increments:
 * delta[k] = each counter's growth since the previous call, prev[k] its total (zeroed by
 * the caller before the first call). Nothing is reset, so no count made between a read
 * and a reset is lost. Returns 0, or -1 with errno set. */
int ks_percpu_counters_delta(int map_fd, uint32_t n, uint64_t *prev, uint64_t *delta);

/* Delete a per-CPU hash entry after zeroing every CPU's copy. Before 5.10 a deleted
 * element that the kernel hands out again for a new key keeps the old values of every CPU
 * but the one that inserted it; zeroing first keeps those from reappearing as counts.
 * Returns 0, or -1 with errno set. */
int ks_percpu_delete(int map_fd, const void *key, unsigned value_size);

/* Every key of a hash map, as one array of n * key_size bytes (*keys, malloc'ed; NULL when
 * empty). A snapshot: BPF programs may add keys meanwhile. Returns n. */
size_t ks_map_keys(int map_fd, unsigned key_size, void **keys);

/* Every (key, value) of a hash map whose BPF programs insert and delete all the while
 * (memleak's allocations): with BPF_MAP_LOOKUP_BATCH (5.6+), one pass over the buckets;
 * before, a key walk (which a deletion restarts) and a lookup per key, duplicate keys
 * dropped. *keys and *values are malloc'ed (NULL when empty). Returns n. */
size_t ks_map_dump(int map_fd, unsigned key_size, unsigned value_size, void **keys,
                   void **values);

/* Every entry of a hash map, read and deleted (BCC's items() then clear(), as the top and
 * per-interval table tools print them): n records of key_size + value_size bytes each, key
 * first, packed, in *out (malloc'ed; NULL when empty). An entry the BPF program adds or
 * updates between the read and the delete loses that update, as in BCC. Returns n. */
size_t ks_map_drain(int map_fd, unsigned key_size, unsigned value_size, void **out);

/* Fill a u32 -> u32 map (kscope.bpf.h's ks_parent_of) with pid -> parent pid of every
 * process in /proc, without replacing what the kernel already recorded. Returns how many
 * were added. */
size_t ks_map_seed_parents(int map_fd);

#endif
