/* pl_strlist: the name lists returned by list_children. */
#include "config.h"

#include <stdlib.h>

#include "plinth/env.h"

void pl_strlist_free(pl_strlist *list) {
  size_t i;
  if (list == NULL) return;
  for (i = 0; i < list->count; i++) free(list->items[i]);
  free(list->items);
  list->items = NULL;
  list->count = 0;
}
