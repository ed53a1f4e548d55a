/* plinth — the one header an embedder includes. */
#ifndef PLINTH_PLINTH_H
#define PLINTH_PLINTH_H

#include "plinth/status.h"
#include "plinth/env.h"
#include "plinth/env_wrapper.h"
#include "plinth/file_util.h"
#include "plinth/group_commit.h"
#include "plinth/part_writer.h"
#include "plinth/compress.h"
#include "plinth/log.h"

#endif /* PLINTH_PLINTH_H */
