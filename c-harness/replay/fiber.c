/* ucontext fibers; see fiber.h for why. */
#include "fiber.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#define STORK_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define STORK_ASAN 1
#endif
#endif

#ifdef STORK_ASAN
void __sanitizer_start_switch_fiber(void **fake_stack_save, const void *bottom, size_t size);
void __sanitizer_finish_switch_fiber(void *fake_stack_save, const void **bottom_old, size_t *size_old);
#endif

#define FIBER_STACK (256u * 1024u)

/* makecontext passes int arguments only: split the pointer into two halves. */
struct trampoline_args {
    fiber_fn *fn;
    void *arg;
};

static void trampoline(unsigned hi, unsigned lo)
{
    uintptr_t p = ((uintptr_t)hi << 16 << 16) | (uintptr_t)lo;
    struct trampoline_args *ta = (struct trampoline_args *)p;
    fiber_fn *fn = ta->fn;
    void *arg = ta->arg;
    free(ta);
    fn(arg);
    abort(); /* fn must never return */
}

bool fiber_create(struct fiber *f, struct fiber *main_fiber, fiber_fn *fn, void *arg)
{
    memset(f, 0, sizeof *f);
    struct trampoline_args *ta = malloc(sizeof *ta);
    if (!ta)
        return false;
    ta->fn = fn;
    ta->arg = arg;
    f->stack_size = FIBER_STACK;
    f->stack = malloc(f->stack_size);
    if (!f->stack || getcontext(&f->uc) != 0) {
        free(ta);
        free(f->stack);
        f->stack = NULL;
        return false;
    }
    f->asan_bottom = f->stack;
    f->asan_size = f->stack_size;
    f->uc.uc_stack.ss_sp = f->stack;
    f->uc.uc_stack.ss_size = f->stack_size;
    f->uc.uc_link = &main_fiber->uc;
    uintptr_t p = (uintptr_t)ta;
    makecontext(&f->uc, (void (*)(void))trampoline, 2, (unsigned)(p >> 16 >> 16),
                (unsigned)(p & 0xffffffffu));
    return true;
}

void fiber_destroy(struct fiber *f)
{
    free(f->stack);
    f->stack = NULL;
}

void fiber_switch(struct fiber *from, struct fiber *to)
{
#ifdef STORK_ASAN
    __sanitizer_start_switch_fiber(&from->fake_stack, to->asan_bottom, to->asan_size);
#endif
    swapcontext(&from->uc, &to->uc);
#ifdef STORK_ASAN
    __sanitizer_finish_switch_fiber(from->fake_stack, NULL, NULL);
#endif
}

void fiber_started(struct fiber *self, struct fiber *main_fiber)
{
    (void)self;
#ifdef STORK_ASAN
    __sanitizer_finish_switch_fiber(NULL, &main_fiber->asan_bottom, &main_fiber->asan_size);
#else
    (void)main_fiber;
#endif
}
