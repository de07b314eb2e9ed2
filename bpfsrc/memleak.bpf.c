/* memleak: outstanding allocations (allocated, not yet freed), with the stack that
 * allocated them.
 *
 * Each allocation is kept by its address in `allocs` (size, time, stack id) until its free
 * deletes it; what is still there at an output is outstanding. `combined_allocs` keeps the
 * same per stack (bytes, count), for --combined-only.
 *
 * Kernel mode (no -p): the kmem tracepoints give address and size of every slab object
 * (kmalloc, kmem_cache_alloc; their *_node twins on kernels before 6.1, which had them as
 * separate events) and the page frame number and order of page allocations (mm_page_alloc,
 * mm_page_free: pages are keyed by their pfn, which never collides with a kernel address).
 * --percpu: the percpu allocator's tracepoints instead. The stack is the kernel stack of
 * the allocating context.
 *
 * User mode (-p, -c): uprobes on the C library's allocator in that process (below); the
 * stack is the user stack, taken at each allocator's return, in its caller's context.
 *
 * Configured by the prelude: USER_MODE, STACK_FLAGS, STACK_STORAGE_SIZE, MAX_ALLOCS, MEMLEAK_PAGE_SIZE,
 * MIN_SIZE/MAX_SIZE (-z/-Z, inclusive), SAMPLE_EVERY_N (-s), WA_MISSING_FREE, TRACE_EVENTS
 * (-t: one event per call), and the probes chosen (KS_TP_<name>). */

struct alloc_info_t {
    u64 size;
    u64 timestamp_ns;
    int stack_id;
};

struct combined_alloc_info_t {
    u64 total_size;
    u64 number_of_allocs;
};

/* Not preallocated: MAX_ALLOCS entries would be tens of MB up front. */
BPF_F_TABLE("hash", u64, struct alloc_info_t, allocs, MAX_ALLOCS, BPF_F_NO_PREALLOC);
BPF_HASH(combined_allocs, u64, struct combined_alloc_info_t, 10240);
BPF_STACK_TRACE(stack_traces, STACK_STORAGE_SIZE);

#ifdef TRACE_EVENTS
/* -t: what each call did, for user space to print (bpfsrc/memleak.h). */
static __always_inline void trace_event(void *ctx, u32 kind, u64 addr, u64 size)
{
    struct memleak_event ev = {.kind = kind, .addr = addr, .size = size};
    ks_submit(ctx, &ev, sizeof(ev));
}
#else
#define trace_event(ctx, kind, addr, size) ((void)0)
#endif

/* -z, -Z and -s: is an allocation of this size recorded? */
static __always_inline bool alloc_wanted(u64 size)
{
#ifdef MIN_SIZE
    if (size < MIN_SIZE)
        return false;
#endif
#ifdef MAX_SIZE
    if (size > MAX_SIZE)
        return false;
#endif
#if SAMPLE_EVERY_N > 1
    if (bpf_ktime_get_ns() % SAMPLE_EVERY_N != 0)
        return false;
#endif
    return true;
}

static __always_inline void record_free(void *ctx, u64 addr)
{
    struct alloc_info_t *info = allocs.lookup(&addr);
    if (!info)
        return;
    u64 stack_id = (u64)(s64)info->stack_id, size = info->size;
    allocs.delete(&addr);
    struct combined_alloc_info_t *c = combined_allocs.lookup(&stack_id);
    if (c) {
        if (c->number_of_allocs > 1) {
            __sync_fetch_and_sub(&c->total_size, size);
            __sync_fetch_and_sub(&c->number_of_allocs, 1);
        } else {
            combined_allocs.delete(&stack_id);
        }
    }
    trace_event(ctx, MEMLEAK_FREE, addr, size);
}

/* An allocation that succeeded: addr of size bytes, by the current stack. */
static __always_inline void record_alloc(void *ctx, u64 addr, u64 size)
{
    if (addr == 0)
        return;
#ifdef WA_MISSING_FREE
    record_free(ctx, addr); /* a free we missed: the address is being reused */
#endif
    struct alloc_info_t info = {.size = size};
    info.timestamp_ns = bpf_ktime_get_ns();
    info.stack_id = stack_traces.get_stackid(ctx, STACK_FLAGS);
    allocs.update(&addr, &info);
    u64 stack_id = (u64)(s64)info.stack_id;
    struct combined_alloc_info_t zero = {};
    struct combined_alloc_info_t *c = combined_allocs.lookup_or_try_init(&stack_id, &zero);
    if (c) {
        __sync_fetch_and_add(&c->total_size, size);
        __sync_fetch_and_add(&c->number_of_allocs, 1);
    }
    trace_event(ctx, MEMLEAK_ALLOC, addr, size);
}

/* ---- kernel mode: slab objects and pages ---- */
#define SLAB_ALLOC(args)                                                                       \
    do {                                                                                       \
        if (alloc_wanted(args->bytes_alloc))                                                   \
            record_alloc(args, (u64)args->ptr, args->bytes_alloc);                             \
    } while (0)

#ifdef KS_TP_kmalloc
TRACEPOINT_PROBE(kmem, kmalloc)
{
    SLAB_ALLOC(args);
    return 0;
}
#endif
#ifdef KS_TP_kmalloc_node
TRACEPOINT_PROBE(kmem, kmalloc_node)
{
    SLAB_ALLOC(args);
    return 0;
}
#endif
#ifdef KS_TP_kmem_cache_alloc
TRACEPOINT_PROBE(kmem, kmem_cache_alloc)
{
    SLAB_ALLOC(args);
    return 0;
}
#endif
#ifdef KS_TP_kmem_cache_alloc_node
TRACEPOINT_PROBE(kmem, kmem_cache_alloc_node)
{
    SLAB_ALLOC(args);
    return 0;
}
#endif
#ifdef KS_TP_kfree
TRACEPOINT_PROBE(kmem, kfree)
{
    record_free(args, (u64)args->ptr);
    return 0;
}
#endif
#ifdef KS_TP_kmem_cache_free
TRACEPOINT_PROBE(kmem, kmem_cache_free)
{
    record_free(args, (u64)args->ptr);
    return 0;
}
#endif
#ifdef KS_TP_page_alloc
TRACEPOINT_PROBE(kmem, mm_page_alloc)
{
    u64 size = (u64)MEMLEAK_PAGE_SIZE << args->order;
    /* A failed allocation reports pfn -1. */
    if (args->pfn != (unsigned long)-1 && alloc_wanted(size))
        record_alloc(args, args->pfn, size);
    return 0;
}
#endif
#ifdef KS_TP_page_free
TRACEPOINT_PROBE(kmem, mm_page_free)
{
    record_free(args, args->pfn);
    return 0;
}
#endif

/* ---- --percpu ---- */
#ifdef KS_TP_percpu_alloc
TRACEPOINT_PROBE(percpu, percpu_alloc_percpu)
{
    if (alloc_wanted(args->size))
        record_alloc(args, (u64)args->ptr, args->size);
    return 0;
}
#endif
#ifdef KS_TP_percpu_free
TRACEPOINT_PROBE(percpu, percpu_free_percpu)
{
    record_free(args, (u64)args->ptr);
    return 0;
}
#endif

/* ---- user mode (-p, -c): the C library's allocator, by uprobes in the process ----
 * At each call's entry the size is kept per thread; at its return (a uretprobe, in the
 * caller's context: the user stack's first frame is the caller) the address returned is
 * recorded with that size. free() and munmap() end allocations; realloc() and
 * reallocarray() end the old one and make a new one. */
#ifdef USER_MODE
BPF_HASH(sizes, u32, u64, 10240);
BPF_HASH(memptrs, u32, u64, 10240);

static __always_inline int alloc_enter(u64 size)
{
    if (!alloc_wanted(size))
        return 0;
    u32 tid = bpf_get_current_pid_tgid();
    sizes.update(&tid, &size);
    return 0;
}

static __always_inline int alloc_exit(struct pt_regs *ctx, u64 addr)
{
    u32 tid = bpf_get_current_pid_tgid();
    u64 *size = sizes.lookup(&tid);
    if (!size)
        return 0; /* filtered out at the entry, or the entry was missed */
    u64 sz = *size;
    sizes.delete(&tid);
    if (addr != (u64)-1) /* mmap's MAP_FAILED */
        record_alloc(ctx, addr, sz);
    return 0;
}

/* malloc(size), valloc(size), pvalloc(size) */
int up_malloc(struct pt_regs *ctx)
{
    return alloc_enter(PT_REGS_PARM1(ctx));
}
int up_calloc(struct pt_regs *ctx)
{
    return alloc_enter(PT_REGS_PARM1(ctx) * PT_REGS_PARM2(ctx));
}
int up_realloc(struct pt_regs *ctx)
{
    record_free(ctx, PT_REGS_PARM1(ctx));
    return alloc_enter(PT_REGS_PARM2(ctx));
}
int up_reallocarray(struct pt_regs *ctx)
{
    record_free(ctx, PT_REGS_PARM1(ctx));
    return alloc_enter(PT_REGS_PARM2(ctx) * PT_REGS_PARM3(ctx));
}
/* mmap(addr, length, ...) */
int up_mmap(struct pt_regs *ctx)
{
    return alloc_enter(PT_REGS_PARM2(ctx));
}
/* memalign(alignment, size), aligned_alloc(alignment, size) */
int up_memalign(struct pt_regs *ctx)
{
    return alloc_enter(PT_REGS_PARM2(ctx));
}
int up_alloc_ret(struct pt_regs *ctx)
{
    return alloc_exit(ctx, PT_REGS_RC(ctx));
}
/* posix_memalign(void **memptr, alignment, size): the address is written to *memptr. */
int up_posix_memalign(struct pt_regs *ctx)
{
    u32 tid = bpf_get_current_pid_tgid();
    u64 memptr = PT_REGS_PARM1(ctx);
    memptrs.update(&tid, &memptr);
    return alloc_enter(PT_REGS_PARM3(ctx));
}
int up_posix_memalign_ret(struct pt_regs *ctx)
{
    u32 tid = bpf_get_current_pid_tgid();
    u64 *memptr = memptrs.lookup(&tid);
    if (!memptr)
        return 0;
    u64 p = *memptr, addr = 0;
    memptrs.delete(&tid);
    if (PT_REGS_RC(ctx) != 0 || ks_probe_read_user(&addr, sizeof(addr), (void *)p) != 0)
        addr = 0; /* failed: nothing allocated (the size kept is dropped below) */
    return alloc_exit(ctx, addr);
}
/* free(ptr), munmap(addr, length) */
int up_free(struct pt_regs *ctx)
{
    record_free(ctx, PT_REGS_PARM1(ctx));
    return 0;
}
#endif
