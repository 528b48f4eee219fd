/*
 * stork/scenario_parts.h -- the parts that scenarios written by hand (stork/check.h) share, each
 * in a line, so that a scenario's file holds what makes it that scenario:
 *
 *   STORK_SCENARIO, STORK_ROUTINES   the `stork_scenario` object and its routines
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

#endif /* STORK_SCENARIO_PARTS_H */
