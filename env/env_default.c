/* pl_env_default: the env an embedder gets when it does not choose one. */
#include "config.h"

#include "plinth/crash.h"
#include "plinth/env.h"

/* The platform env, or a recorder over it when PLINTH_TRACE names a trace
 * file (decided once, on the first call; see crash/recorder.c). */
pl_env *pl_env_default(void) { return pl_crash_env_from_environment(pl_env_platform()); }
