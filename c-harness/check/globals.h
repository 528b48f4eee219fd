/* globals.h -- the miniport's own globals, put back before every run as DriverEntry left them. */
#ifndef STORK_CHECK_GLOBALS_H
#define STORK_CHECK_GLOBALS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The bytes of the scenario's writable data and bss when the first run begins. */
struct globals {
    unsigned char *saved;
    size_t size;
};

/* Keep the scenario's globals as they are now (after DriverEntry); false if out of memory. */
bool globals_save(struct globals *g);
/* Put them back: every run begins the same adapter life. */
void globals_restore(const struct globals *g);
void globals_free(struct globals *g);
/* The scenario's global at address a, as an offset into its globals (for a digest that is the
 * same in every process, whatever the addresses): false if a is none of them. */
bool globals_offset(uintptr_t a, uintptr_t *off);
/* A byte copy ASan does not check: the globals' sections hold their redzones, poisoned. */
void globals_read(void *to, const void *from, size_t n);
/* Its globals' bytes now, as the extent [*lo, *hi) of each of its two sections (i: 0 data, 1
 * bss); false if it has none of that kind. */
bool globals_section(int i, const unsigned char **lo, const unsigned char **hi);

#endif
