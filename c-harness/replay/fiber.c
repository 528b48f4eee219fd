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


#if defined(__x86_64__)

/* stork_fiber_switch(&from->sp, to->sp): push the callee-saved registers (System V ABI: rbp,
 * rbx, r12-r15, and the MXCSR / x87 control words), save rsp, load the other rsp, pop. */
void stork_fiber_switch(void **save_sp, void *new_sp);
/* The first "return" of a new fiber lands here with fn in r13 and arg in r12. */
void stork_fiber_start(void);
__asm__(".text\n"
        ".globl stork_fiber_switch\n"
        ".hidden stork_fiber_switch\n"
        ".type stork_fiber_switch,@function\n"
        "stork_fiber_switch:\n"
        "    pushq %rbp\n"
        "    pushq %rbx\n"
        "    pushq %r12\n"
        "    pushq %r13\n"
        "    pushq %r14\n"
        "    pushq %r15\n"
        "    subq $8, %rsp\n"
        "    stmxcsr (%rsp)\n"
        "    fnstcw 4(%rsp)\n"
        "    movq %rsp, (%rdi)\n"
        "    movq %rsi, %rsp\n"
        "    ldmxcsr (%rsp)\n"
        "    fldcw 4(%rsp)\n"
        "    addq $8, %rsp\n"
        "    popq %r15\n"
        "    popq %r14\n"
        "    popq %r13\n"
        "    popq %r12\n"
        "    popq %rbx\n"
        "    popq %rbp\n"
        "    ret\n"
        ".size stork_fiber_switch, .-stork_fiber_switch\n"
        ".globl stork_fiber_start\n"
        ".hidden stork_fiber_start\n"
        ".type stork_fiber_start,@function\n"
        "stork_fiber_start:\n"
        "    movq %r12, %rdi\n"
        "    callq *%r13\n"
        "    ud2\n"
        ".size stork_fiber_start, .-stork_fiber_start\n");

bool fiber_create(struct fiber *f, struct fiber *main_fiber, fiber_fn *fn, void *arg, void *stack)
{
    (void)main_fiber;
    memset(f, 0, sizeof *f);
    f->stack_size = FIBER_STACK;
    f->stack = stack ? stack : malloc(f->stack_size);
    if (!f->stack)
        return false;
    f->asan_bottom = f->stack;
    f->asan_size = f->stack_size;
    /* The initial frame, as stork_fiber_switch leaves one: control words, r15..rbp, return
     * address.  After the ret, rsp is 16-byte aligned, as a call into fn needs. */
    uintptr_t top = ((uintptr_t)f->stack + f->stack_size) & ~(uintptr_t)15;
    uint64_t *sp = (uint64_t *)(top - 8);
    *sp = (uint64_t)(uintptr_t)stork_fiber_start; /* ret address */
    *--sp = 0;                                    /* rbp */
    *--sp = 0;                                    /* rbx */
    *--sp = (uint64_t)(uintptr_t)arg;             /* r12 */
    uint64_t fnbits;
    memcpy(&fnbits, &fn, sizeof fnbits);
    *--sp = fnbits;                               /* r13 */
    *--sp = 0;                                    /* r14 */
    *--sp = 0;                                    /* r15 */
    *--sp = 0x037F00001F80ull;                    /* MXCSR 0x1F80, x87 control word 0x037F */
    f->sp = sp;
    return true;
}

/* The switch itself; fiber_switch below adds what AddressSanitizer needs around it. */
static inline void raw_switch(struct fiber *from, struct fiber *to)
{
    stork_fiber_switch(&from->sp, to->sp);
}

#else /* not x86-64: ucontext */

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

bool fiber_create(struct fiber *f, struct fiber *main_fiber, fiber_fn *fn, void *arg, void *stack)
{
    memset(f, 0, sizeof *f);
    struct trampoline_args *ta = malloc(sizeof *ta);
    if (!ta) {
        free(stack);
        return false;
    }
    ta->fn = fn;
    ta->arg = arg;
    f->stack_size = FIBER_STACK;
    f->stack = stack ? stack : malloc(f->stack_size);
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

static inline void raw_switch(struct fiber *from, struct fiber *to)
{
    swapcontext(&from->uc, &to->uc);
}

#endif

bool fiber_stacks_alloc(void *stack[], unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        stack[i] = NULL;
    for (unsigned i = 0; i < n; i++)
        if (!(stack[i] = malloc(FIBER_STACK)))
            return false;
    return true;
}

void fiber_stacks_free(void *stack[], unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        free(stack[i]);
}

void *fiber_take_stack(struct fiber *f)
{
    void *s = f->stack;
    f->stack = NULL;
    return s;
}

void fiber_switch(struct fiber *from, struct fiber *to)
{
#ifdef STORK_ASAN
    __sanitizer_start_switch_fiber(&from->fake_stack, to->asan_bottom, to->asan_size);
#endif
    raw_switch(from, to);
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
