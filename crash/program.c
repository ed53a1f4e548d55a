/* Recording a program: run it with PLINTH_TRACE set in its own directory,
 * and say exactly how it ended. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "plinth/crash.h"
#include "port/process.h"
#include "util/buf.h"

pl_status pl_crash_record_program(const pl_crash_program *p, pl_crash_program_status *st) {
  char trace[4096], root[4096];
  pl__buf e1 = {0}, e2 = {0}, e3 = {0};
  const char *env_add[4];
  pl__proc_options po;
  pl__proc_status ps;
  pl_status s;
  memset(st, 0, sizeof *st);
  if (p->argv == NULL || p->argv[0] == NULL)
    return pl_error_set(PL_INVALID_ARGUMENT, 0, "no program to record");
  /* The program runs in dir: paths it is handed must not depend on where
   * it runs. */
  s = pl__process_absolute(p->trace_path, trace, sizeof trace);
  if (s == PL_OK) s = pl__process_absolute(p->dir, root, sizeof root);
  if (s == PL_OK) s = pl_env_create_dir(pl_env_platform(), root);
  if (s != PL_OK) return s;
  if (!pl__buf_addf(&e1, "PLINTH_TRACE=%s", trace) || !pl__buf_add(&e1, "", 1) ||
      !pl__buf_addf(&e2, "PLINTH_TRACE_ROOT=%s", root) || !pl__buf_add(&e2, "", 1) ||
      !pl__buf_addf(&e3, "PLINTH_CRASH_DIR=%s", root) || !pl__buf_add(&e3, "", 1)) {
    s = pl_error_set(PL_IO_ERROR, ENOMEM, "out of memory");
  } else {
    env_add[0] = (const char *)e1.p;
    env_add[1] = (const char *)e2.p;
    env_add[2] = (const char *)e3.p;
    env_add[3] = NULL;
    memset(&po, 0, sizeof po);
    po.cwd = root;
    po.env_add = env_add;
    po.timeout_ms = p->timeout_ms;
    s = pl__process_run(p->argv, &po, &ps);
    if (s == PL_OK) {
      st->exited = ps.exited;
      st->code = ps.code;
      st->signal = ps.sig;
      st->timed_out = ps.timed_out;
      pl__proc_status_describe(&ps, p->timeout_ms, st->how, sizeof st->how);
    }
  }
  pl__buf_free(&e1);
  pl__buf_free(&e2);
  pl__buf_free(&e3);
  return s;
}
