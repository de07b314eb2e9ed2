/* ks_compile: BPF C -> ks_object, with libbcc, in a short-lived child process.
 *
 * The tracing process never maps clang or LLVM: the child dlopen()s libbcc.so, compiles,
 * sends the serialized object back through a pipe and exits, taking its ~100 MB with it. */
#ifndef KS_COMPILE_H
#define KS_COMPILE_H

#include "ks_headers.h"
#include "ks_object.h"

struct ks_func_plan {
    const char *func; /* function in the BPF source */
    int prog_type;    /* BPF_PROG_TYPE_* to load it as */
};

/* In *err when the compile child cannot load libbcc.so.0 (the tool then says what to do). */
#define KS_COMPILE_NO_LIBBCC "libbcc's compiler (libbcc.so.0) cannot be loaded on this machine"

/* Returns a parsed object, or NULL with a message for people in *err. light: the program
 * reads tracepoint fields only, so try libbcc with kscope's light headers first
 * (ks_headers_light: the compile is about twice as fast), the kernel's if that fails. */
struct ks_object *ks_compile(const char *text, const struct ks_headers *h, bool light,
                             const struct ks_func_plan *plan, int nplan, struct ks_buf *err);

/* The libbcc version string this binary was built against. */
const char *ks_libbcc_version(void);

#endif
