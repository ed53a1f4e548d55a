/* Parsing command-line values the same strict way in every subcommand. */
#ifndef PLINTH_TOOLS_ARGS_H
#define PLINTH_TOOLS_ARGS_H

#include <stdint.h>

/* Parses s as a decimal number in [min, max]: digits only (no sign, no
 * space, no exponent, no "nan"), no overflow.  On failure prints
 * "<tool>: <option> wants a whole number from MIN to MAX, not 'S'" to
 * stderr and returns 0. */
int pl_tool_number(const char *tool, const char *option, const char *s, uint64_t min, uint64_t max,
                   uint64_t *out);

#endif
