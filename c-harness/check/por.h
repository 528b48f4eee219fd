/*
 * por.h -- what each step of a run touches (its footprint), for the partial-order reduction of
 * the exhaustive search (explore.c): two steps are independent when neither touches what the
 * other writes; a schedule that differs from an explored one only by the order of adjacent
 * independent steps is the same run (the same final state, the same findings) and is skipped.
 *
 * A step is one context going on from one scheduling point to its next (or a callback's start,
 * or removal's beginning).  Its footprint is exact where the instrumentation sees (race.c: every
 * load and store of the scenario's code outside its own stack, with address and size; a
 * STORK_WAIT_UNTIL condition's and a STORK_ASSERT's reads too) and coarse where it does not:
 * every StorPort call, callback start and return, routine end, removal, STORK_*_RESOURCES is a
 * write of one object, "the runtime" (the reference's workers, the post queue, who may run next),
 * so any two such steps are dependent; StorPortInitializeWorker's store through its Worker
 * argument and a spinlock's owner are writes of those bytes.  A step that made a data choice
 * (an injected allocation failure) or ran uninstrumented (no -fsanitize=thread) is dependent on
 * every step.
 */
#ifndef STORK_CHECK_POR_H
#define STORK_CHECK_POR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct run;

struct span {
    uintptr_t lo, hi; /* [lo, hi): offsets in the HwDeviceExtension if ext, else addresses */
    bool write, ext;
};

struct footprint {
    struct span *s;
    int n, cap;
    bool runtime; /* writes the runtime's state */
    bool all;     /* dependent on every step */
};

/* Whether the run records footprints (set by the chooser: por_begin). */
void por_begin(struct run *r);
void por_release(struct run *r);
/* An access of the context running now (or a waiter's condition, to its next step). */
void por_access(struct run *r, const void *addr, size_t size, bool write);
void por_runtime(struct run *r);
void por_all(struct run *r);
void por_step_begin(struct run *r);
/* The step that just ran: its footprint (and the waiter reads it carries), then a fresh one. */
const struct footprint *por_step_done(struct run *r, int ctx);
/* A STORK_WAIT_UNTIL condition evaluated between steps goes to ctx's next step. */
void por_probe(struct run *r, int ctx, bool begin);

bool por_dependent(const struct footprint *a, const struct footprint *b);
struct footprint *por_copy(const struct footprint *f);
void por_free(struct footprint *f);

/* A digest of the run's end: the extension (worker handles by name), the workers, removal and
 * the run's findings; equal for two schedules that differ only in independent steps' order. */
uint64_t por_final_state(const struct run *r);

#endif
