/* pl_env_default: the env an embedder gets when it does not choose one. */
#include "config.h"

#include "plinth/env.h"

pl_env *pl_env_default(void) { return pl_env_platform(); }
