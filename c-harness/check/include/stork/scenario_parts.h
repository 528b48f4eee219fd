/*
 * stork/scenario_parts.h -- the parts that scenarios written by hand (stork/check.h) share, each
 * in a line, so that a scenario's file holds what makes it that scenario:
 *
 *   STORK_SCENARIO, STORK_ROUTINES   the `stork_scenario` object and its routines
 *   STORK_QUEUE_ONE_SHOT             the documented one-shot pattern: a worker made, queued,
 *                                    and freed when the queue fails
 *   STORK_FIND_ADAPTER_INIT_WORKER,  the persistent worker's find_adapter (the worker made)
 *   STORK_ROUTINE_QUEUES_WORKER      and a routine that queues it, when there is one
 *
 * A scenario includes this header in place of <storport.h>, which it includes (the shipped
 * scenarios of c-harness/check/scenarios/ do).
 */
#ifndef STORK_SCENARIO_PARTS_H
#define STORK_SCENARIO_PARTS_H

#include <storport.h>

/* The scenario object of stork/check.h, named NAME (as a variant, the variant's name:
 * STORK_SCENARIO_NAME), its HwDeviceExtension of type EXT (zeroed; `char` where the scenario
 * keeps nothing there), with the other fields given:
 *
 *   STORK_SCENARIO("restart", struct ext, .find_adapter = find_adapter,
 *                  STORK_ROUTINES({"dpc", STORK_DISPATCH_LEVEL, dpc}), .remove = teardown);
 *
 * is `const struct stork_scenario stork_scenario = {.name = "restart", .extension_size =
 * sizeof(struct ext), .find_adapter = find_adapter, .routines = ..., .nroutines = 1, .remove =
 * teardown}`. */
#define STORK_SCENARIO(own_name, ext_type, ...)                                         \
    const struct stork_scenario stork_scenario = {.name = STORK_SCENARIO_NAME(own_name), \
                                                  .extension_size = sizeof(ext_type),   \
                                                  __VA_ARGS__}

/* `.routines` and `.nroutines` of the routines given, each {NAME, IRQL, FUNCTION}. */
#define STORK_ROUTINES(...)                                  \
    .routines = (const struct stork_routine[]){__VA_ARGS__}, \
    .nroutines = sizeof((const struct stork_routine[]){__VA_ARGS__}) / sizeof(struct stork_routine)

/* The documented one-shot pattern, in a routine with the HwDeviceExtension EXT: initialise a
 * worker, queue it with CALLBACK (which frees it) and no context, and free it when the queue
 * fails (removal began: INVALID_DEVICE_STATE).  True when the callback was queued; false when
 * the initialisation failed (no worker) or the queue did (the worker freed).  Its three calls
 * are StorPort* calls made at the line of the STORK_QUEUE_ONE_SHOT: a finding, a history and a
 * trace name the scenario's line. */
#define STORK_QUEUE_ONE_SHOT(ext, callback) \
    stork_queue_one_shot_at((ext), (callback), __FILE__, __LINE__)

static inline int stork_queue_one_shot_at(void *ext, HW_WORKITEM *callback, const char *file,
                                          int line)
{
    void *worker = NULL;
    if (stork_initialize_worker_at(ext, &worker, file, line) != STOR_STATUS_SUCCESS)
        return 0;
    if (stork_queue_work_item_at(ext, callback, worker, NULL, file, line) == STOR_STATUS_SUCCESS)
        return 1;
    stork_free_worker_at(ext, worker, file, line);
    return 0;
}

/* The persistent worker's start: `find_adapter`, which initialises the worker kept in the
 * field Worker of the HwDeviceExtension (of type EXT; NULL when the initialisation fails). */
#define STORK_FIND_ADAPTER_INIT_WORKER(ext_type) \
    static void find_adapter(void *e)            \
    {                                            \
        ext_type *x = e;                         \
        StorPortInitializeWorker(x, &x->Worker); \
    }

/* A routine NAME that queues that worker, when there is one, with CALLBACK and no context
 * (its status not looked at: a scenario that needs it writes its own routine). */
#define STORK_ROUTINE_QUEUES_WORKER(name, ext_type, callback)        \
    static void name(void *e)                                        \
    {                                                                \
        ext_type *x = e;                                             \
        if (x->Worker)                                               \
            StorPortQueueWorkItem(x, callback, x->Worker, NULL);     \
    }

#endif /* STORK_SCENARIO_PARTS_H */
