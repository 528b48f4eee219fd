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
 * A callback that nothing interleaves with does not need one and runs on the driver's stack
 * (driver.c, run_inline): a switch in and out costs more than the rest of replaying a call.
 *
 * Switches are always between main and one sys fiber (a star), annotated for AddressSanitizer.
 * On x86-64 the switch is a dozen instructions of assembly (fiber.c): glibc's swapcontext
 * makes two sigprocmask system calls per switch, which dominated replay time.  Elsewhere it is
 * swapcontext.
 */
#ifndef STORK_REPLAY_FIBER_H
#define STORK_REPLAY_FIBER_H

#include <stdbool.h>
#include <stddef.h>
#if !defined(__x86_64__)
#include <ucontext.h>
#endif

struct fiber {
#if defined(__x86_64__)
    void *sp; /* saved stack pointer while suspended */
#else
    ucontext_t uc;
#endif
    void *stack;
    size_t stack_size;
    /* AddressSanitizer bookkeeping */
    void *fake_stack;
    const void *asan_bottom;
    size_t asan_size;
};

typedef void fiber_fn(void *arg);

#define FIBER_STACK (256u * 1024u)

/* Prepare `f` to run fn(arg) on `stack` (FIBER_STACK bytes, malloc'd; NULL: allocate one) the
 * first time it is switched to; false if out of memory.  fn must never return. */
bool fiber_create(struct fiber *f, struct fiber *main_fiber, fiber_fn *fn, void *arg, void *stack);
/* n stacks of FIBER_STACK bytes, for fibers made again and again (false: out of memory, the
 * ones made are in stack[] and NULL after them); and their release. */
bool fiber_stacks_alloc(void *stack[], unsigned n);
void fiber_stacks_free(void *stack[], unsigned n);
/* Give back the stack (to be freed or reused); the fiber must never run again. */
void *fiber_take_stack(struct fiber *f);
/* Suspend `from`, resume `to`. */
void fiber_switch(struct fiber *from, struct fiber *to);
/* First thing fn does on its new stack (tells ASan where main's stack is). */
void fiber_started(struct fiber *self, struct fiber *main_fiber);

#endif
