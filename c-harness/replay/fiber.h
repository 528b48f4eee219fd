/*
 * Cooperative contexts for the replay: one per system worker thread sysN, plus the driver's
 * own (the "main" fiber, on which the named miniport contexts make their calls).
 *
 * Why ucontext and not a pthread per context with a baton: the implementation owns no threads
 * and cannot observe which OS thread calls it, so interleaving on one OS thread loses nothing,
 * while it makes the schedule deterministic by construction (no scheduler, no lock hand-off,
 * no spurious wake-ups), costs a few hundred nanoseconds per switch instead of two futex
 * round trips, and lets a failure simply abandon a suspended callback (its stack is freed,
 * it is never resumed) instead of having to cancel a thread.  Real concurrency is exercised
 * separately by the live stress test (live/).
 *
 * Switches are always between main and one sys fiber (a star), annotated for AddressSanitizer.
 */
#ifndef STORK_REPLAY_FIBER_H
#define STORK_REPLAY_FIBER_H

#include <stdbool.h>
#include <stddef.h>
#include <ucontext.h>

struct fiber {
    ucontext_t uc;
    void *stack;
    size_t stack_size;
    /* AddressSanitizer bookkeeping */
    void *fake_stack;
    const void *asan_bottom;
    size_t asan_size;
};

typedef void fiber_fn(void *arg);

/* Prepare `f` to run fn(arg) on a fresh stack the first time it is switched to; false if out
 * of memory.  fn must never return. */
bool fiber_create(struct fiber *f, struct fiber *main_fiber, fiber_fn *fn, void *arg);
void fiber_destroy(struct fiber *f);
/* Suspend `from`, resume `to`. */
void fiber_switch(struct fiber *from, struct fiber *to);
/* First thing fn does on its new stack (tells ASan where main's stack is). */
void fiber_started(struct fiber *self, struct fiber *main_fiber);

#endif
