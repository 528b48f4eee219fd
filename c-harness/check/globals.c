/*
 * globals.c -- the miniport's own globals, put back before every run as DriverEntry left them.
 *
 * Each run of an audit is one adapter life after the one DriverEntry (ENV-E1), and so is its
 * replay in a fresh process; a global a run writes (a counter, a list head, a flag) would
 * otherwise carry into the next run, which then begins from another state than the one its
 * trace says, and reports what no adapter life does (or misses what one does).  The extension
 * is allocated per run (sched.c); the globals are put back here.
 *
 * Where they are.  The audit build renames the scenario object's writable sections (.data,
 * .data.rel, .data.rel.local and .bss; conformance/stork/audit.py and check.cmake, with
 * objcopy) to stork_scenario_data and stork_scenario_bss, whose extents the linker gives as
 * __start_ and __stop_ symbols; the checking runtime's own memory is elsewhere.  Without such a
 * section (a scenario with no globals, or a program built otherwise) the symbols are weak and
 * null, and there is nothing to put back.  Not covered: a variable the miniport puts in a
 * section of its own (`__attribute__((section))`) and thread-locals (a kernel driver has none).
 *
 * Under ASan the sections hold the globals' redzones too, poisoned; the copy is not checked.
 */
#include "globals.h"

#include <stdlib.h>

extern unsigned char __start_stork_scenario_data[] __attribute__((weak));
extern unsigned char __stop_stork_scenario_data[] __attribute__((weak));
extern unsigned char __start_stork_scenario_bss[] __attribute__((weak));
extern unsigned char __stop_stork_scenario_bss[] __attribute__((weak));

bool globals_section(int i, const unsigned char **lo, const unsigned char **hi)
{
    *lo = i == 0 ? __start_stork_scenario_data : __start_stork_scenario_bss;
    *hi = i == 0 ? __stop_stork_scenario_data : __stop_stork_scenario_bss;
    return *lo && *hi > *lo;
}

static size_t extent(int i)
{
    const unsigned char *lo, *hi;
    return globals_section(i, &lo, &hi) ? (size_t)(hi - lo) : 0;
}

#if defined(__clang__) || defined(__GNUC__)
__attribute__((no_sanitize_address))
#endif
void globals_read(void *to, const void *from, size_t n)
{
    volatile unsigned char *t = to;
    const volatile unsigned char *f = from;
    for (size_t i = 0; i < n; i++)
        t[i] = f[i];
}

bool globals_save(struct globals *g)
{
    g->size = extent(0) + extent(1);
    g->saved = NULL;
    if (!g->size)
        return true;
    g->saved = malloc(g->size);
    if (!g->saved)
        return false;
    size_t at = 0;
    for (int i = 0; i < 2; i++) {
        const unsigned char *lo, *hi;
        if (globals_section(i, &lo, &hi)) {
            globals_read(g->saved + at, lo, (size_t)(hi - lo));
            at += (size_t)(hi - lo);
        }
    }
    return true;
}

void globals_restore(const struct globals *g)
{
    size_t at = 0;
    for (int i = 0; g->saved && i < 2; i++) {
        const unsigned char *lo, *hi;
        if (globals_section(i, &lo, &hi)) {
            globals_read((unsigned char *)lo, g->saved + at, (size_t)(hi - lo));
            at += (size_t)(hi - lo);
        }
    }
}

void globals_free(struct globals *g)
{
    free(g->saved);
    g->saved = NULL;
    g->size = 0;
}

bool globals_offset(uintptr_t a, uintptr_t *off)
{
    uintptr_t base = 0;
    for (int i = 0; i < 2; i++) {
        const unsigned char *lo, *hi;
        if (globals_section(i, &lo, &hi)) {
            if (a >= (uintptr_t)lo && a < (uintptr_t)hi) {
                *off = base + (a - (uintptr_t)lo);
                return true;
            }
            base += (uintptr_t)(hi - lo);
        }
    }
    return false;
}
