/* kscope.bpf.h: helpers shared by the BPF programs in bpfsrc/.
 *
 * libbcc compiles this text together with the tool's program. Before it comes a prelude
 * of #define lines (run a tool with --ebpf to see them): options as numbers, and the
 * probe chosen for this kernel, KS_TP_<probe> for a tracepoint or KS_KP_<probe> = n for
 * the n-th kprobe fallback. Each program compiles only the variant that was chosen. */

#ifdef KS_USES_KPROBES
#include <uapi/linux/ptrace.h> /* struct pt_regs, for kprobe programs */
#endif

/* A hash map for short-lived state (entry -> exit, fork -> exec). LRU maps (4.10+) evict
 * old entries when full; older kernels get a plain hash map. */
#ifdef KS_HAVE_LRU_HASH
#define KS_STATE_MAP(name, key_t, val_t, n) BPF_TABLE("lru_hash", key_t, val_t, name, n)
#else
#define KS_STATE_MAP(name, key_t, val_t, n) BPF_HASH(name, key_t, val_t, n)
#endif

/* Syscall arguments in a kprobe on a syscall's entry point.
 *
 * Since 4.17 (x86_64), sys_foo() is reached through a wrapper __x64_sys_foo(regs) whose
 * only argument is the user's saved registers; the resolver defines KS_KP_<probe>_WRAPPED
 * when it picked such a wrapper. Before that, sys_foo() takes the arguments directly.
 * Reading the saved registers is a kernel-memory read, hence bpf_probe_read_kernel
 * (libbcc turns it into bpf_probe_read on kernels before 5.5). */
#if defined(__x86_64__) || defined(__TARGET_ARCH_x86)
#define KS_SYSCALL_REG1 di
#define KS_SYSCALL_REG2 si
#define KS_SYSCALL_REG3 dx
#define KS_SYSCALL_REG4 r10
#endif

#define KS_SYSCALL_ARG_WRAPPED(ctx, reg)                                                       \
    ({                                                                                         \
        struct pt_regs *__regs = (struct pt_regs *)PT_REGS_PARM1(ctx);                         \
        unsigned long __v = 0;                                                                 \
        bpf_probe_read_kernel(&__v, sizeof(__v), &__regs->reg);                                \
        __v;                                                                                   \
    })
