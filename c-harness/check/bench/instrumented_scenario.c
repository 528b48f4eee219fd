/* The bench's second copy of the SpcNvme restart scenario, compiled with -fsanitize=thread (its
 * accesses go to race.c) under another name, so that one program times the same scenario
 * instrumented and not, in the same run. */
#pragma redefine_extname stork_scenario stork_scenario_instrumented
#include "../scenarios/spcnvme_fixed.c"
