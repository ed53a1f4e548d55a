/* A map from 32-bit keys to ints (util/u32map.h). */
#include "config.h"

#include <stdlib.h>

#include "util/u32map.h"

static size_t slot_of(uint32_t key, size_t cap) {
  /* Fibonacci hashing spreads sequential handles over the table. */
  return (size_t)((key * 2654435769u) & (uint32_t)(cap - 1));
}

static int grow(pl__u32map *m) {
  size_t cap = m->cap ? m->cap * 2 : 64, i;
  uint32_t *keys = malloc(cap * sizeof *keys);
  int *values = malloc(cap * sizeof *values);
  if (keys == NULL || values == NULL || cap > (size_t)UINT32_MAX) {
    free(keys);
    free(values);
    return 0;
  }
  for (i = 0; i < cap; i++) values[i] = -1;
  for (i = 0; i < m->cap; i++) {
    size_t s;
    if (m->values[i] < 0) continue;
    for (s = slot_of(m->keys[i], cap); values[s] >= 0; s = (s + 1) & (cap - 1)) {
    }
    keys[s] = m->keys[i];
    values[s] = m->values[i];
  }
  free(m->keys);
  free(m->values);
  m->keys = keys;
  m->values = values;
  m->cap = cap;
  return 1;
}

int pl__u32map_put(pl__u32map *m, uint32_t key, int value) {
  size_t s;
  if ((m->n + 1) * 2 > m->cap && !grow(m)) return 0;
  for (s = slot_of(key, m->cap); m->values[s] >= 0; s = (s + 1) & (m->cap - 1)) {
    if (m->keys[s] == key) {
      m->values[s] = value;
      return 1;
    }
  }
  m->keys[s] = key;
  m->values[s] = value;
  m->n++;
  return 1;
}

int pl__u32map_get(const pl__u32map *m, uint32_t key) {
  size_t s;
  if (m->cap == 0) return -1;
  for (s = slot_of(key, m->cap); m->values[s] >= 0; s = (s + 1) & (m->cap - 1))
    if (m->keys[s] == key) return m->values[s];
  return -1;
}

void pl__u32map_free(pl__u32map *m) {
  free(m->keys);
  free(m->values);
  m->keys = NULL;
  m->values = NULL;
  m->cap = m->n = 0;
}
