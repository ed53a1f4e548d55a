/* plinth — a map from 32-bit keys to non-negative ints.  Internal.
 *
 * Open addressing; memory grows with the number of keys, never with their
 * values, so a key read from untrusted input (a trace's file handle) costs
 * the same whatever its value.  Zero-initialize (`pl__u32map m = {0};`). */
#ifndef PLINTH_UTIL_U32MAP_H
#define PLINTH_UTIL_U32MAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct pl__u32map {
  uint32_t *keys;
  int *values;   /* -1 marks an empty slot */
  size_t cap, n;
} pl__u32map;

/* Sets key to value (value >= 0).  Returns 0 when out of memory. */
int pl__u32map_put(pl__u32map *m, uint32_t key, int value);
/* The value of key, or -1 if absent. */
int pl__u32map_get(const pl__u32map *m, uint32_t key);
void pl__u32map_free(pl__u32map *m);

#endif /* PLINTH_UTIL_U32MAP_H */
