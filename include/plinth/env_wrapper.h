/* plinth — forwarding wrappers: override a few methods of an env or a file
 * and forward the rest (LevelDB's EnvWrapper idea, in C).
 *
 *   typedef struct { pl_env_wrapper base; int removes; } counting_env;
 *   static pl_status counting_remove(pl_env *e, const char *p) {
 *     counting_env *c = (counting_env *)e;
 *     c->removes++;
 *     return pl_env_remove_file(c->base.target, p);
 *   }
 *   ...
 *   counting_env c;
 *   pl_env_wrapper_init(&c.base, pl_env_default(), "counting");
 *   c.base.env.remove_file = counting_remove;
 *   use((pl_env *)&c);
 */
#ifndef PLINTH_ENV_WRAPPER_H
#define PLINTH_ENV_WRAPPER_H

#include "plinth/export.h"
#include "plinth/env.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pl_env_wrapper {
  pl_env env;     /* first, so a pl_env_wrapper * is a pl_env * */
  pl_env *target; /* where every method not overridden goes */
} pl_env_wrapper;

/* Fills w so that every method forwards to target; name is kept by
 * pointer.  Locks made through w are target's locks. */
PL_API void pl_env_wrapper_init(pl_env_wrapper *w, pl_env *target, const char *name);

/* The options a wrapper env passes on when it opens a file through its
 * target: opt (NULL: the defaults) with dir_env set to self unless a
 * wrapper above already set it, so the file's own directory syncs reach
 * the outermost wrapper.  Returns copy, filled. */
PL_API const pl_writable_options *pl_env_wrapper_options(pl_env *self,
                                                         const pl_writable_options *opt,
                                                         pl_writable_options *copy);

/* A writable file that forwards every method to another one.  A wrapper
 * copies pl_writable_wrapper_methods, overrides what it needs, and embeds
 * pl_writable_wrapper first in its own struct. */
typedef struct pl_writable_wrapper {
  pl_writable_file base;
  pl_writable_file *target;
} pl_writable_wrapper;

/* Methods that forward to ((pl_writable_wrapper *)f)->target; the close
 * method closes the target and frees the wrapper with free(). */
PL_API extern const pl_writable_methods pl_writable_wrapper_methods;

#ifdef __cplusplus
}
#endif
#endif /* PLINTH_ENV_WRAPPER_H */
