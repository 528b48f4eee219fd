/*
 * not_utf8 -- a scenario that is not UTF-8 (a Latin-1 comment: café) and does not compile:
 * the compiler quotes the line back, and the audit must refuse it (bad input) in one message,
 * with no traceback.
 *
 * expect: refused
 */
#include <storport.h>

int broken = "déjà";
