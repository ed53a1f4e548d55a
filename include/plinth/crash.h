/* plinth — the crash-consistency harness: record what a workload does to its
 * files, generate every state a power loss could leave on disk, write each
 * one out as a real directory and let a checker judge it.
 *
 *   pl_crash_recorder *rec;
 *   pl_crash_recorder_new(pl_env_platform(), "/tmp/db", NULL, &rec);
 *   run_workload(pl_crash_recorder_env(rec), "/tmp/db", rec); // notes acks
 *   pl_crash_options o;  pl_crash_options_init(&o);
 *   pl_crash_checker c = {my_check, my_arg, NULL};
 *   pl_crash_report r;
 *   pl_crash_explore(pl_crash_recorder_trace(rec), &o, &c, &r);
 *   pl_crash_report_print(&r, stdout);
 *
 * The default model is strict POSIX (../shared/design/CRASH-MODEL.md; each
 * rule and its litmus test are listed in crash/README.md):
 * - file data not covered by a completed sync of that file (or a write
 *   that was durable on return, O_SYNC/O_DSYNC) may be lost, kept, or torn
 *   at sector granularity: any subset of the write's sectors may reach the
 *   disk (see max_tears for the bound); a write that grew the file may
 *   leave the new size with zeros (or garbage) in place of its data;
 * - a create, rename, link, unlink, mkdir or rmdir in directory D is
 *   durable only once D has been synced after it (a rename once both of
 *   its directories have).  Durability never travels upwards: syncing D
 *   never makes D's own entry in its parent durable, and an entry whose
 *   directory's entry was lost is simply unreachable after the crash;
 * - unsynced operations reach the disk in any order that respects their
 *   dependencies (an entry needs its directory to exist; operations on the
 *   same name keep their order); a dependency only restricts which
 *   combinations are possible, it never makes an operation durable;
 * - a failed file sync follows Linux: the file's unsynced writes are
 *   dropped and never reach the disk, even if a later sync succeeds;
 * - a whole-file-system sync (syncfs, sync) makes everything before it
 *   durable.
 * The trace format is in crash/TRACE-FORMAT.md.
 */
#ifndef PLINTH_CRASH_H
#define PLINTH_CRASH_H

#include <stdint.h>
#include <stdio.h>

#include "plinth/export.h"
#include "plinth/env.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Traces                                                                    */

typedef enum pl_crash_op_kind {
  PL_CRASH_CREATE = 1,   /* handle, path: create or truncate the file */
  PL_CRASH_OPEN = 2,     /* handle, path: open an existing file to append */
  PL_CRASH_WRITE = 3,    /* handle, offset, data[len] */
  PL_CRASH_EXTEND = 4,   /* handle, offset: size becomes at least offset */
  PL_CRASH_SYNC = 5,     /* handle: sync of the file's data */
  PL_CRASH_SYNC_DIR = 6, /* path: sync of a directory ("" is the root) */
  PL_CRASH_RENAME = 7,   /* path -> path2, replacing path2 */
  PL_CRASH_UNLINK = 8,   /* path */
  PL_CRASH_MKDIR = 9,    /* path */
  PL_CRASH_RMDIR = 10,   /* path */
  PL_CRASH_NOTE = 11,    /* data[len]: text from the workload, no state */
  PL_CRASH_BASELINE = 12, /* the ops before it are the starting state */
  /* Trace format version 2 (system-call recording): */
  PL_CRASH_TRUNCATE = 13, /* handle: the file's size becomes offset */
  PL_CRASH_LINK = 14,     /* path2 becomes a new name of path's file */
  PL_CRASH_SYMLINK = 15,  /* path: a symbolic link holding data[len] */
  PL_CRASH_SYNC_ALL = 16, /* syncfs/sync: everything before it is durable */
  PL_CRASH_EXCHANGE = 17, /* path and path2 swap (RENAME_EXCHANGE) */
  PL_CRASH_ZERO = 18,     /* handle: [offset, offset+len) reads as zeros
                             (hole punch, zero range); flag KEEP_SIZE */
  PL_CRASH_IGNORED = 19,  /* no state: data[len] says what the recorder
                             saw but could not record (a path outside the
                             root, an unsupported call) */
  PL_CRASH_KIND_MAX = 19
} pl_crash_op_kind;

/* pl_crash_op.flags */
#define PL_CRASH_FLAG_DURABLE 1u   /* WRITE, ZERO, TRUNCATE: durable when it
                                      returned (O_SYNC, O_DSYNC, O_DIRECT with
                                      O_DSYNC) */
#define PL_CRASH_FLAG_KEEP_SIZE 2u /* ZERO: the file's size does not grow */

/* One recorded operation.  Paths are relative to the recording's root,
 * with '/' separators. */
typedef struct pl_crash_op {
  int kind;          /* a pl_crash_op_kind */
  int failed;        /* non-zero: the operation returned an error */
  unsigned flags;    /* PL_CRASH_FLAG_* */
  uint32_t handle;   /* the open file it acted on (file ops) */
  char *path;        /* NULL when the kind has none */
  char *path2;       /* rename's target, else NULL */
  uint64_t offset;   /* WRITE, ZERO: where; EXTEND: the new minimum size;
                        TRUNCATE: the new size */
  uint64_t len;      /* bytes in data (ZERO: bytes zeroed, no data) */
  unsigned char *data; /* len bytes, then a NUL (notes are C strings) */
} pl_crash_op;

/* An in-memory trace: ops in the order they were issued. */
typedef struct pl_crash_trace {
  pl_crash_op *ops;
  size_t count;
  size_t cap;
} pl_crash_trace;

/* Fills *t with an empty trace. */
PL_API void pl_crash_trace_init(pl_crash_trace *t);
/* Frees every op and leaves *t empty. */
PL_API void pl_crash_trace_free(pl_crash_trace *t);
/* Appends a copy of op (paths and data copied).  IOError on out of memory. */
PL_API pl_status pl_crash_trace_add(pl_crash_trace *t, const pl_crash_op *op);
/* Shorthands for building traces by hand (tests, tools); each copies its
 * arguments and returns what pl_crash_trace_add returns. */
PL_API pl_status pl_crash_trace_add_file(pl_crash_trace *t, int kind, uint32_t handle,
                                  const char *path);
PL_API pl_status pl_crash_trace_add_write(pl_crash_trace *t, uint32_t handle,
                                   uint64_t offset, const void *data,
                                   size_t len);
PL_API pl_status pl_crash_trace_add_sync(pl_crash_trace *t, uint32_t handle);
PL_API pl_status pl_crash_trace_add_path(pl_crash_trace *t, int kind,
                                  const char *path, const char *path2);
PL_API pl_status pl_crash_trace_add_note(pl_crash_trace *t, const char *text);

/* Returns a static name for an op kind ("write", "rename", ...). */
PL_API const char *pl_crash_op_name(int kind);
/* Writes a one-line description of op into buf ("write #3 data/log
 * [4096,+512)"); files are named by the path their handle was opened with,
 * which the caller passes as file_path (may be NULL). */
PL_API void pl_crash_op_describe(const pl_crash_op *op, const char *file_path,
                          char *buf, size_t cap);

/* Prints t, one op per line numbered from 0 ("    12  write #3 db/LOG
 * [0,+120)"): the numbering reports use for "crash right after op N".
 * Files are named by the path their handle was opened with; bytes of
 * paths and notes that could drive a terminal are printed as '?'. */
PL_API void pl_crash_trace_dump(const pl_crash_trace *t, FILE *out);

/* Writes t to path in the trace format of crash/TRACE-FORMAT.md, through
 * env (not recorded). */
PL_API pl_status pl_crash_trace_save(pl_env *env, const char *path,
                              const pl_crash_trace *t);
/* Reads a trace file into *t (which it initializes).  A trace is input
 * from outside (users attach them to bug reports): every length, count,
 * handle and path in it is checked, and a path that is absolute, has a
 * ".." or "." segment, an empty segment or a NUL byte is refused, so
 * nothing derived from a trace can name a file outside the directory a
 * state is written to.  A trailing record cut short (the recorded program
 * died mid-write) is ignored; any other damage is PL_CORRUPTION, a format
 * version this plinth does not read PL_NOT_SUPPORTED, a file larger than
 * PL_CRASH_TRACE_MAX_BYTES PL_INVALID_ARGUMENT. */
PL_API pl_status pl_crash_trace_load(pl_env *env, const char *path,
                              pl_crash_trace *t);
/* As pl_crash_trace_load, refusing files larger than max_bytes (without
 * reading more than max_bytes + 1 of them). */
PL_API pl_status pl_crash_trace_load_max(pl_env *env, const char *path,
                                         uint64_t max_bytes, pl_crash_trace *t);
#define PL_CRASH_TRACE_MAX_BYTES (1024ULL * 1024 * 1024)

/* ------------------------------------------------------------------------ */
/* Recording                                                                 */

typedef struct pl_crash_recorder pl_crash_recorder;

/* Makes a recorder over target.  Operations on paths under root (a
 * directory) are recorded, with the path made relative to root; relative
 * paths are taken as relative to root (the program is expected to run in
 * it; with root "" only relative paths are recorded); others are forwarded
 * unrecorded.  If root is non-empty
 * and exists, its files and directories are first recorded as the durable
 * starting state (followed by a BASELINE op).  If trace_path is non-NULL,
 * every op is also appended to that file (flushed op by op, so a program
 * that exits without pl_crash_recorder_free leaves a whole trace) and not
 * kept in memory; otherwise the trace is kept in memory.
 *
 * An append is recorded as a write at the file's end when it is issued,
 * although the platform's writable may hold it in memory until a flush: the
 * model therefore allows buffered data to be on disk early, which a real
 * power loss cannot do.  This over-approximation only adds states where
 * more data survived; it never hides a loss. */
PL_API pl_status pl_crash_recorder_new(pl_env *target, const char *root,
                                const char *trace_path,
                                pl_crash_recorder **out);
/* The recording env; valid until pl_crash_recorder_free.  Safe for
 * concurrent use, like target. */
PL_API pl_env *pl_crash_recorder_env(pl_crash_recorder *rec);
/* The trace recorded so far (empty when recording to a file).
 * REQUIRES: no operation in flight on the recording env. */
PL_API const pl_crash_trace *pl_crash_recorder_trace(pl_crash_recorder *rec);
/* Moves the in-memory trace recorded so far into *out (which it
 * initializes first), leaving the recorder's trace empty.  REQUIRES: as
 * pl_crash_recorder_trace. */
PL_API void pl_crash_recorder_take(pl_crash_recorder *rec, pl_crash_trace *out);
/* Records a note after the last recorded op: the workload states what it
 * has acknowledged ("key 17 acked").  Safe for concurrent use. */
PL_API void pl_crash_note(pl_crash_recorder *rec, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* If env is a recording env (directly), records the note and returns 1;
 * otherwise returns 0 and does nothing.  For programs that only hold the
 * env (pl_env_default() under PLINTH_TRACE). */
PL_API int pl_crash_env_note(pl_env *env, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Frees the recorder (closing the trace file).  Files still open on the
 * recording env must be closed first. */
PL_API void pl_crash_recorder_free(pl_crash_recorder *rec);

/* A program to record: run with PLINTH_TRACE set, so its
 * pl_env_default() records every durable operation under dir. */
typedef struct pl_crash_program {
  const char *const *argv; /* the program and its arguments (NULL-ended);
                              argv[0] is found as a shell finds it:
                              relative to the current directory if it has a
                              '/', else in PATH */
  const char *dir;         /* the program's working directory and the
                              recording's root (created if missing) */
  const char *trace_path;  /* where the trace goes (relative: to the
                              current directory) */
  uint64_t timeout_ms;     /* killed after this long; 0: no limit */
} pl_crash_program;

/* How the program ended. */
typedef struct pl_crash_program_status {
  int exited;        /* 1: exited with `code`; 0: killed (`signal`) */
  int code;
  int signal;
  int timed_out;
  char how[64];      /* "exit 3", "killed by SIGABRT", "timed out after
                        ..." */
} pl_crash_program_status;

/* Runs p->argv and waits for it.  Returns PL_OK once it ran, whatever its
 * status (in *st); PL_NOT_FOUND if the program does not exist, PL_IO_ERROR
 * if it cannot be started.  The environment gets PLINTH_TRACE (the trace
 * path, absolute), PLINTH_TRACE_ROOT and PLINTH_CRASH_DIR (dir). */
PL_API pl_status pl_crash_record_program(const pl_crash_program *p, pl_crash_program_status *st);

/* Called by pl_env_default() on its first call: if the environment variable
 * PLINTH_TRACE names a file, returns a process-wide recorder env over
 * platform writing to it (root: $PLINTH_TRACE_ROOT, or "" for relative
 * paths); otherwise returns platform. */
PL_API pl_env *pl_crash_env_from_environment(pl_env *platform);

/* ------------------------------------------------------------------------ */
/* Exploring crash states                                                    */

typedef struct pl_crash_progress {
  size_t point, points;  /* crash point being explored, of how many */
  uint64_t generated;    /* states generated so far */
  uint64_t checked;      /* distinct states checked so far */
  uint64_t failures;
} pl_crash_progress;

/* The persistence models.  STRICT is the default and the one a portable
 * engine must survive.  EXT4_ORDERED is for comparison: what ext4 with
 * data=ordered (its default) and auto_da_alloc actually does — metadata
 * reaches the disk in order through the journal, any completed fsync
 * commits every earlier directory operation, a file's size never grows
 * ahead of its data (no zero tails, appends are not torn), and a rename
 * over an existing file carries the renamed file's data with it. */
typedef enum pl_crash_model {
  PL_CRASH_MODEL_STRICT = 0,
  PL_CRASH_MODEL_EXT4_ORDERED = 1
} pl_crash_model;

typedef struct pl_crash_options {
  int model;                /* a pl_crash_model; default STRICT */
  int sync_points_only;     /* crash only after syncs (and at the end) */
  size_t sector_size;       /* tear granularity; default 512 */
  int garbage_tails;        /* grown-but-unwritten bytes read as garbage
                               instead of zeros */
  int rename_atomic;        /* default 1; 0 adds "target gone" and "both
                               names" states for each pending rename */
  uint64_t max_exhaustive;  /* at most this many combinations per crash
                               point are enumerated; default 4096 */
  uint64_t samples;         /* beyond it, this many random states (plus
                               all-lost and all-kept); default 256 */
  uint64_t seed;            /* for the sampling; default 1 */
  int max_tears;            /* torn variants tried per write, each a subset
                               of its sectors: all 2^n - 2 proper subsets
                               of an n-sector write while that is at most
                               max_tears (default 256: every write of up
                               to 8 sectors), else max_tears of them:
                               prefixes, suffixes, single holes, single
                               sectors, alternating sectors, then seeded
                               random subsets.  0: no tears */
  int shrink;               /* shrink each failure; default 1 */
  size_t max_failures;      /* stop after this many failures; 0 = all;
                               default 10 */
  uint64_t checker_timeout_ms; /* a command checker still running after
                               this long is killed and the exploration
                               stops with an error naming the state;
                               default 60000; 0: no limit */
  const char *work_dir;     /* where states are written; NULL: a fresh
                               directory under the env's test directory */
  pl_env *env;              /* env used to write states; NULL: platform */
  void (*progress)(void *arg, const pl_crash_progress *p);
  void *progress_arg;
} pl_crash_options;

/* Fills *o with the defaults above. */
PL_API void pl_crash_options_init(pl_crash_options *o);

/* Judges one materialized state.  check is given the directory holding it
 * and the workload's notes recorded up to the crash point, in order; it
 * returns 0 if the state is consistent, non-zero (with a message in msg)
 * if not.  If command is non-NULL it is used instead of check: it is run
 * through the shell as `command DIR NOTESFILE` (NOTESFILE holds one note per
 * line); exit status 0 means consistent, 1 to 125 inconsistent (its output
 * is kept, and the last line it printed becomes the failure's message).
 * A command that cannot be run, is not found (the shell's 126 and 127),
 * is killed by a signal or runs longer than checker_timeout_ms is not a
 * verdict: the exploration stops with PL_IO_ERROR, and the message says
 * why and names the state. */
typedef struct pl_crash_checker {
  int (*check)(void *arg, const char *dir, const char *const *notes,
               size_t nnotes, char *msg, size_t cap);
  void *arg;
  const char *command;
} pl_crash_checker;

/* One failing state, and its shrunk form. */
typedef struct pl_crash_failure {
  size_t point;       /* crash point: the number of ops applied (the
                         crash came right after op point-1 and the notes
                         that follow it) */
  char *id;           /* replays this state exactly (pl_crash_replay) */
  char *lost;         /* the ops lost or torn, one per line, then the
                         writes failed syncs dropped before the point */
  char *message;      /* the checker's message */
  char *shrunk_id;    /* the smallest failing state found from it */
  char *shrunk_lost;
  char *shrunk_message;
  size_t lost_count, shrunk_lost_count;
} pl_crash_failure;

typedef struct pl_crash_report {
  size_t ops;            /* recorded ops, notes excluded */
  size_t points;         /* crash points explored */
  uint64_t generated;    /* states generated (duplicates included) */
  uint64_t checked;      /* distinct states materialized and checked */
  uint64_t sampled_points; /* points where sampling replaced enumeration */
  uint64_t failures;     /* failing states */
  uint64_t explore_micros; /* generating + materializing, checker excluded */
  uint64_t check_micros;   /* time in the checker */
  pl_crash_failure *failure; /* the first max_failures failures */
  size_t nfailure;
} pl_crash_report;

/* Explores every crash point of t under o and checks each distinct state
 * with c, filling *r (free with pl_crash_report_free).  Returns PL_OK when
 * the exploration ran, whatever the verdicts; an error if a state could not
 * be written or the checker could not give a verdict (see
 * pl_crash_checker); *r then holds what was found before it. */
PL_API pl_status pl_crash_explore(const pl_crash_trace *t, const pl_crash_options *o,
                           const pl_crash_checker *c, pl_crash_report *r);

/* Writes the state named by id (from a report) into dir, which must not
 * exist or be empty (InvalidArgument if it holds anything).  An id carries
 * a fingerprint of the options that shape states (model, sector size,
 * max_tears, garbage tails, atomic renames): InvalidArgument if o differs
 * from the exploration's in one of them, for a malformed id (longer than
 * PL_CRASH_STATE_ID_MAX bytes included), or for one that does not fit t. */
#define PL_CRASH_STATE_ID_MAX (1024 * 1024)
PL_API pl_status pl_crash_replay(const pl_crash_trace *t, const pl_crash_options *o,
                          const char *id, const char *dir);

/* Counts the states at crash point `point` (the number of ops applied, as
 * in pl_crash_failure.point): *combinations is the
 * number of valid combinations of lost/kept/torn pending ops, *distinct the
 * number of different directory contents among them.  Enumerates them all,
 * whatever o->max_exhaustive says; for tests and tuning. */
PL_API pl_status pl_crash_count_states(const pl_crash_trace *t,
                                const pl_crash_options *o, size_t point,
                                uint64_t *combinations, uint64_t *distinct);

/* Prints the summary table and the failures. */
PL_API void pl_crash_report_print(const pl_crash_report *r, FILE *out);
/* Prints the report as one JSON object (schema in crash/README.md). */
PL_API void pl_crash_report_print_json(const pl_crash_report *r, FILE *out);
/* Frees what the report holds. */
PL_API void pl_crash_report_free(pl_crash_report *r);

/* ------------------------------------------------------------------------ */
/* Faults beyond power loss                                                  */

typedef enum pl_crash_fault_kind {
  PL_FAULT_SYNC_EIO = 1,  /* a file sync fails with EIO; with Linux
                             semantics the next sync of the file succeeds
                             without the dropped data */
  PL_FAULT_ENOSPC = 2,    /* a write fails with ENOSPC, nothing written */
  PL_FAULT_SHORT_WRITE = 3 /* a write stores only `bytes` bytes, then fails
                              with ENOSPC */
} pl_crash_fault_kind;

typedef struct pl_crash_fault {
  int kind;            /* a pl_crash_fault_kind */
  const char *suffix;  /* only files whose path ends with it; NULL: any.
                          Kept by pointer: it must outlive the env. */
  int nth;             /* the nth matching sync (or write), from 1 */
  size_t bytes;        /* SHORT_WRITE: bytes that reach the file */
} pl_crash_fault;

typedef struct pl_crash_faults pl_crash_faults;

/* Makes an env over target that injects the given faults (copied) at the
 * chosen operations and forwards everything else.  Put a recorder above it
 * (engine -> recorder -> faults -> files) so the model sees the failures. */
PL_API pl_status pl_crash_faults_new(pl_env *target, const pl_crash_fault *faults,
                              size_t nfaults, pl_crash_faults **out);
PL_API pl_env *pl_crash_faults_env(pl_crash_faults *f);
/* Number of faults injected so far. */
PL_API int pl_crash_faults_injected(pl_crash_faults *f);
PL_API void pl_crash_faults_free(pl_crash_faults *f);

/* ------------------------------------------------------------------------ */
/* Built-in examples                                                         */

typedef struct pl_crash_example {
  const char *name;
  const char *summary;
  int expect_failure; /* 1 if the harness must catch it */
  /* Runs the workload on env in dir, noting acknowledgements on rec. */
  pl_status (*run)(pl_env *env, const char *dir, pl_crash_recorder *rec);
  /* The recovery check (see pl_crash_checker.check). */
  int (*check)(void *arg, const char *dir, const char *const *notes,
               size_t nnotes, char *msg, size_t cap);
} pl_crash_example;

/* The examples, terminated by an entry whose name is NULL. */
PL_API extern const pl_crash_example pl_crash_examples[];
/* The example called name, or NULL. */
PL_API const pl_crash_example *pl_crash_example_find(const char *name);
/* Records example e in a fresh directory under scratch_dir over platform,
 * storing the trace in *t (which it initializes). */
PL_API pl_status pl_crash_example_record(const pl_crash_example *e, pl_env *platform,
                                  const char *scratch_dir, pl_crash_trace *t);

#ifdef __cplusplus
}
#endif
#endif /* PLINTH_CRASH_H */
