/* A fault-injecting env for the write-path suites: a forwarding wrapper
 * (pl_env_wrapper_init / pl_writable_wrapper_methods) that counts calls,
 * logs the order of durable operations and fails chosen ones. */
#ifndef PLINTH_TESTS_FAULT_ENV_H
#define PLINTH_TESTS_FAULT_ENV_H

#include "plinth/plinth.h"

typedef struct fault_env {
  pl_env_wrapper base;
  /* Counters of calls that reached a wrapped file or the env (atomic). */
  int appends, syncs, write_ats, sync_dirs, renames;
  /* Fail the n-th call (1-based, counted as above) with PL_IO_ERROR and a
   * message containing "injected"; 0 = never. */
  int fail_append_at, fail_sync_at, fail_write_at_at, fail_rename_at;
  /* Non-zero: files have no write_at / allocate answers this status. */
  int no_write_at;
  pl_status allocate_status; /* PL_OK = forward to the target */
  /* The order of syncs, closes, renames and directory syncs, as letters:
   * S sync, C close, R rename, D sync_dir (first 63). */
  char log[64];
  int log_len;
} fault_env;

/* Wraps the platform env; everything passes through until told to fail. */
void fault_env_init(fault_env *f);

#endif
