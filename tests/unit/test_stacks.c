/* Unit tests of the stack runtime's parsers: ks_sched (the sched_switch preempt bit from
 * print formats of several kernel generations), ks_ksyms (a fabricated kallsyms: module
 * symbols, offsets, [unknown], data symbols skipped) and the folded/block renderers. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ks_ksyms.h"
#include "ks_sched.h"
#include "ks_stack.h"
#include "ks_test.h"

static void test_preempt_bit(void)
{
    const char *why = NULL;
    /* 6.x (and 4.14+): TASK_REPORT_MAX from the OR of the report states. */
    const char *v6 =
        "print fmt: \"prev_comm=%s prev_pid=%d prev_prio=%d prev_state=%s%s ==> next_comm=%s\", "
        "REC->prev_comm, REC->prev_pid, REC->prev_prio, (REC->prev_state & ((((0x00000000 | "
        "0x00000001 | 0x00000002 | 0x00000004 | 0x00000008 | 0x00000010 | 0x00000020 | "
        "0x00000040) + 1) << 1) - 1)) ? __print_flags(REC->prev_state & ((((0x00000000 | "
        "0x00000001) + 1) << 1) - 1), \"|\", { 0x00000001, \"S\" }) : \"R\", REC->prev_state & "
        "(((0x00000000 | 0x00000001 | 0x00000002 | 0x00000004 | 0x00000008 | 0x00000010 | "
        "0x00000020 | 0x00000040) + 1) << 1) ? \"+\" : \"\", REC->next_comm";
    CHECK(ks_sched_preempt_bit_from(v6, &why) == 0x100);
    /* 4.9: TASK_STATE_MAX as a decimal number. */
    const char *v49 = "print fmt: \"...\", REC->prev_state & (2048-1) ? __print_flags(REC->prev_state "
                      "& (2048-1), \"|\", { 1, \"S\"} ) : \"R\", REC->prev_state & 2048 ? \"+\" : "
                      "\"\", REC->next_comm";
    CHECK(ks_sched_preempt_bit_from(v49, &why) == 2048);
    /* 4.14-4.19 style with a different set of bits: 0x0100 after the sum. */
    const char *v414 = "REC->prev_state & (((0x0000 | 0x0001 | 0x0002 | 0x0004 | 0x0008 | 0x0010 | "
                       "0x0020 | 0x0040) + 1) << 1) ? \"+\" : \"\"";
    CHECK(ks_sched_preempt_bit_from(v414, &why) == 0x100);
    why = NULL;
    CHECK(ks_sched_preempt_bit_from("print fmt: \"prev_state=%d\", REC->prev_state", &why) == 0);
    CHECK(why != NULL);
    why = NULL;
    CHECK(ks_sched_preempt_bit_from("REC->prev_state & (3) ? \"+\" : \"\"", &why) == 0);
    CHECK(why != NULL);
    CHECK(ks_sched_preempt_bit_from("REC->prev_state & (1 << ) ? \"+\" : \"\"", &why) == 0);
}

static void test_ksyms(void)
{
    char path[] = "/tmp/kscope-ksyms-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    const char *text = "ffffffff81000000 T _stext\n"
                       "ffffffff81000100 T do_one\n"
                       "ffffffff81000180 D some_data\n"
                       "ffffffff81000200 t do_two\n"
                       "0000000000000000 A zero_abs\n"
                       "ffffffffc0001000 t ext4_thing\t[ext4]\n";
    CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
    close(fd);
    CHECK(ks_ksyms_load(path) == 4);
    char b[128];
    CHECK_STREQ(ks_ksym_str(0xffffffff81000104ull, false, false, b, sizeof(b)), "do_one");
    /* The data symbol does not shadow the function it sits in. */
    CHECK_STREQ(ks_ksym_str(0xffffffff81000190ull, true, false, b, sizeof(b)), "do_one+0x90");
    CHECK_STREQ(ks_ksym_str(0xffffffffc0001010ull, false, true, b, sizeof(b)),
                "ext4_thing [ext4]");
    CHECK_STREQ(ks_ksym_str(0x1000, false, false, b, sizeof(b)), "[unknown]");
    CHECK_STREQ(ks_ksym_str(0xffffffffc1001000ull, false, false, b, sizeof(b)), "[unknown]");
    unlink(path);
    CHECK(ks_ksyms_load("/nonexistent/kallsyms") == -1);
    CHECK_STREQ(ks_ksym_str(0xffffffff81000104ull, false, false, b, sizeof(b)), "[unknown]");
}

static void test_render(void)
{
    char *k[] = {"schedule", "do_nanosleep"}; /* leaf first */
    char *u[] = {"clock_nanosleep", "main"};
    struct ks_stack_sample s = {
        .comm = "a;b",
        .pid = 42,
        .value = 7,
        .kernel_on = true,
        .user_on = true,
        .delimit = true,
        .kernel = {2, k, false},
        .user = {2, u, false},
    };
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ks_stack_print_folded(f, &s);
    s.delimit = false;
    s.user.missed = true;
    ks_stack_print_block(f, &s);
    fclose(f);
    CHECK_STREQ(buf, "a:b;main;clock_nanosleep;-;do_nanosleep;schedule 7\n"
                     "    schedule\n    do_nanosleep\n    [Missed User Stack]\n"
                     "    -                a;b (42)\n        7\n\n");
    free(buf);
}

int main(void)
{
    test_preempt_bit();
    test_ksyms();
    test_render();
    return ks_test_done("unit-stacks");
}
