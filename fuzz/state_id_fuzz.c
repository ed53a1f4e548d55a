/* Fuzz target: the state-id parser.  Any string either parses or is
 * refused cleanly, in memory bounded by the id's limits; an id that parses
 * prints back to an id that parses to the same choices. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "crash/crash_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n) {
  char *id = malloc(n + 1);
  pl__choice *c = NULL, *c2 = NULL;
  size_t point, point2;
  int k, k2;
  long fp, fp2;
  if (id == NULL) return 0;
  memcpy(id, data, n);
  id[n] = '\0';
  if (pl__state_id_parse(id, &point, &c, &k, &fp) == PL_OK) {
    char *again = pl__state_id(point, c, k, fp < 0 ? 0u : (unsigned)fp);
    if (again == NULL) abort();
    if (pl__state_id_parse(again, &point2, &c2, &k2, &fp2) != PL_OK) abort();
    if (point2 != point || k2 != k || (k && memcmp(c, c2, (size_t)k * sizeof *c) != 0)) abort();
    free(again);
  }
  free(c);
  free(c2);
  free(id);
  return 0;
}
