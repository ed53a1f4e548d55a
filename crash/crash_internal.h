/* plinth crash harness — pieces shared between crash/ files.  Internal. */
#ifndef PLINTH_CRASH_INTERNAL_H
#define PLINTH_CRASH_INTERNAL_H

#include <stdint.h>

#include "plinth/crash.h"
#include "util/buf.h"

/* ---- trace file format (trace_file.c) ---- */
#define PL__TRACE_MAGIC "PLTRACE\n"
#define PL__TRACE_VERSION 2 /* written; 1 and 2 are read */
#define PL__TRACE_HEADER_SIZE 16
/* Offsets and lengths in a trace stay below this (sums cannot overflow). */
#define PL__TRACE_MAX_OFFSET (1ULL << 62)

/* Writes the 16-byte file header into out. */
void pl__trace_header(unsigned char out[PL__TRACE_HEADER_SIZE]);
/* Encodes op as one record into a malloc'ed buffer (*out, *n). */
pl_status pl__trace_encode(const pl_crash_op *op, unsigned char **out, size_t *n);
/* Non-zero if rel is a path a trace may hold: relative to the root, '/'
 * separated, no "", "." or ".." segment, no NUL, at most 4095 bytes ("" is
 * the root itself). */
int pl__trace_path_ok(const char *rel, size_t len);

/* Non-zero for an op kind that changes the tree or its durability: not a
 * note, an ignored call, a sync_file_range or a baseline marker.  Crash
 * points come after these only; the notes and markers that follow one
 * belong to its point. */
static inline int pl__op_holds_state(int kind) {
  return kind != PL_CRASH_NOTE && kind != PL_CRASH_IGNORED && kind != PL_CRASH_SYNC_RANGE &&
         kind != PL_CRASH_BASELINE;
}

/* ---- the recorder (recorder.c), for the system-call recorder ---- */

/* Appends op to rec's trace as its own ops are (thread-safe). */
void pl__recorder_add(pl_crash_recorder *rec, const pl_crash_op *op);
/* The same for an op of that kind with only a handle, paths (NULL: none)
 * and its failed flag: no offset, length or data. */
void pl__recorder_add_simple(pl_crash_recorder *rec, int kind, uint32_t handle, const char *path,
                             const char *path2, int failed);
/* A new handle, distinct from every one rec gave out. */
uint32_t pl__recorder_new_handle(pl_crash_recorder *rec);
/* each_op 0: the trace file is flushed when full and at the end only
 * (the writer is the tracer, not the recorded program, and does not die
 * with it). */
void pl__recorder_flush_each_op(pl_crash_recorder *rec, int each_op);
/* Records the text as a note in rec and passes it on down the stack of
 * envs, as pl_crash_note does. */
void pl__recorder_note_text(pl_crash_recorder *rec, const char *text);

/* ---- recording at the system-call level (syscall_recorder.c) ---- */
pl_status pl__record_syscalls(const pl_crash_program *p, pl_crash_program_status *st);

/* ---- the model (model.c) ---- */

/* A choice for one pending op: 0 lost, 1 kept whole, 2.. a variant (a
 * torn write, a half-done rename).  16 bits: a write has up to
 * 3 + max_tears variants. */
typedef uint16_t pl__choice;
#define PL__CHOICE_MAX 65535

enum { PL__DURABLE = 0, PL__PENDING = 1, PL__DROPPED = 2 };

/* A file's data op (create-truncate, write, extend, truncate, zero), in
 * issue order. */
typedef struct pl__mdata {
  size_t op;        /* index in the trace */
  int kind;
  int state;        /* PL__DURABLE, PL__PENDING or PL__DROPPED */
  int pending;      /* index in the pending list when PL__PENDING */
  size_t dropped_by; /* PL__DROPPED: the failed sync's op index */
  int growing;      /* the op extended the file when issued */
  int spans_eof;    /* a growing write that also overwrote bytes */
} pl__mdata;

typedef struct pl__minode {
  pl__mdata *ops;
  size_t n, cap;
  int kind;         /* 'f' file, 'd' directory, 'l' symbolic link */
  char *label;      /* the path it was created or opened with */
  char *name;       /* its name at the crash point, NULL if it has none */
} pl__minode;

/* A namespace op: create of a new entry, rename, exchange, link, symlink,
 * unlink, mkdir, rmdir. */
typedef struct pl__mname {
  size_t op;
  int kind;
  const char *path, *path2; /* the trace's strings */
  int inode;        /* the inode it names (create, mkdir, link, rename) */
  int state;        /* PL__DURABLE or PL__PENDING */
  int pending;
  int dir[2];       /* inodes of the directories it changes, -1 if none */
  unsigned need;    /* bit k: dir[k] still to be synced */
  int owns_path;    /* path is the model's (an implicit directory) */
} pl__mname;

/* A pending op: the choices the generator has for it. */
typedef struct pl__mpend {
  int is_name;      /* 1: names[idx]; 0: inodes[inode].ops[idx] */
  int inode;
  size_t idx;
  int nchoices;     /* 0 lost, 1 kept, 2.. variants */
  int first_tear;   /* choices >= first_tear are torn writes (data ops) */
  int *deps;        /* pending indexes that must be kept if this is */
  int ndeps, capdeps;
} pl__mpend;

/* What the chosen model does differently from strict POSIX; every model
 * difference is one of these, set in one place (pl__rules_for). */
typedef struct pl__rules {
  int sync_commits_names;    /* any completed sync commits every earlier
                                name op (ext4's journal) */
  int names_in_order;        /* name ops reach the disk in issue order */
  int growing_writes_whole;  /* a write that grows a file is all or
                                nothing (no zero tail, no tear) */
  int rename_carries_data;   /* a rename over a file carries the renamed
                                file's earlier data with it */
} pl__rules;

void pl__rules_for(int model, pl__rules *r);

/* Everything the generator needs about one crash point. */
typedef struct pl__model {
  const pl_crash_trace *trace;
  const pl_crash_options *opt;
  pl__rules rules;
  size_t end;             /* ops [0, end) are applied */
  pl__minode *inodes;
  int ninodes, capinodes;
  pl__mname *names;
  size_t nnames, capnames;
  pl__mpend *pend;
  int npend, cappend;
  size_t nnotes;          /* notes visible at this point */
  const char **notes;
} pl__model;

/* Copies o (or the defaults when NULL) into out with every option that
 * shapes states brought into range, so exploring, replaying and counting
 * build the same states from the same id. */
void pl__options_normalize(const pl_crash_options *o, pl_crash_options *out);
/* A 16-bit fingerprint of the options that shape states. */
unsigned pl__options_fingerprint(const pl_crash_options *o);

/* Non-zero if path, or a directory above it, matches the glob pattern ('*'
 * and '?' never match '/'): a pattern without '/' is matched against each
 * name in the path, one with '/' against each leading part of it. */
int pl__path_excluded(const char *pattern, const char *path);

/* A malloc'ed copy of path p with its first from_len bytes replaced by to
 * (a rename's effect on a name under the renamed one); NULL when out of
 * memory. */
char *pl__path_rebase(const char *p, size_t from_len, const char *to);

/* Builds the model of the crash right after ops [0, end).  Notes that
 * directly follow op end-1 are included.  REQUIRES: o normalized. */
pl_status pl__model_build(pl__model *m, const pl_crash_trace *t,
                          const pl_crash_options *o, size_t end);
void pl__model_free(pl__model *m);
/* Non-zero if choices (one per pending op) respects every dependency. */
int pl__model_valid(const pl__model *m, const pl__choice *choices);
/* The op index of pending op i. */
size_t pl__model_op(const pl__model *m, int i);
/* Describes the lost or torn ops of choices, then the writes failed syncs
 * dropped, one per line; *count gets the number of lines.  Returns a
 * malloc'ed string (NULL when out of memory). */
char *pl__model_describe_lost(const pl__model *m, const pl__choice *choices,
                              size_t *count);

/* ---- torn writes (tears.c) ---- */

/* The sectors a write at [offset, offset+len) covers, cut at sector
 * boundaries. */
uint64_t pl__tear_pieces(uint64_t offset, uint64_t len, uint64_t sector);
/* How many torn variants an n-piece write gets with max_tears. */
int pl__tear_count(uint64_t pieces, int max_tears);
/* Non-zero if torn variant v (0 <= v < pl__tear_count) of an n-piece write
 * (the trace's op `op`) keeps piece i. */
int pl__tear_keeps(uint64_t pieces, int max_tears, size_t op, int v, uint64_t i);
/* Describes variant v in a few words ("sectors 0,2 of 3", "all but sector
 * 4 of 9"). */
void pl__tear_describe(uint64_t pieces, int max_tears, size_t op, int v, char *buf,
                       size_t cap);

/* ---- states (state.c) ---- */
typedef struct pl__sentry {
  char *path;
  int kind;         /* 'f', 'd' or 'l' */
  int inode;
} pl__sentry;

typedef struct pl__state {
  pl__sentry *e;
  size_t n, cap;
  pl__buf *content;       /* per inode */
  int ncontent;
} pl__state;

/* Computes the directory tree left by choices into *s (reusing its
 * memory); *hash gets a hash of the tree and contents. */
pl_status pl__state_build(const pl__model *m, const pl__choice *choices,
                          pl__state *s, uint64_t *hash);
void pl__state_free(pl__state *s);
/* Writes s (built from m) under dir, which exists and must be empty
 * (InvalidArgument otherwise): every file is created exclusively, never
 * through a symbolic link already there, and every entry's directory is
 * one the state made, so nothing is written outside dir. */
pl_status pl__state_materialize(pl_env *env, const pl__model *m, const pl__state *s,
                                const char *dir);

/* ---- ids (generator.c) ---- */
/* "<point>:<choices>:<fingerprint>", choices run-length coded
 * ("1*40.0.254"), the fingerprint 4 hex digits. */
char *pl__state_id(size_t point, const pl__choice *choices, int n,
                   unsigned fingerprint);
/* Parses id; *choices is malloc'ed with *n entries.  *fingerprint gets
 * the id's fingerprint, or -1 if it has none (a hand-written id). */
pl_status pl__state_id_parse(const char *id, size_t *point,
                             pl__choice **choices, int *n, long *fingerprint);

/* ---- checkers (checker.c) ---- */
pl_status pl__checker_run(const pl_crash_checker *c, const pl_crash_options *o,
                          pl_env *env, const char *work, const char *dir,
                          const char *const *notes, size_t nnotes,
                          int *failed, char *msg, size_t cap);

/* ---- one exploration (explore.c) ---- */
typedef struct pl__session {
  const pl_crash_trace *trace;
  pl_crash_options opt;
  const pl_crash_checker *checker;
  pl_env *env;
  char work[4096];   /* scratch directory of the run */
  char dir[4200];    /* where each state is written */
  int own_work;      /* work was made by the session and is removed */
  pl__state state;
  uint64_t check_micros;
  uint64_t tries;    /* states materialized and checked, shrinking included */
} pl__session;

/* Writes s->state (built from choices) into the session's directory and
 * runs the checker on it; *failed and msg get the verdict.  A checker that
 * gives no verdict is an error naming the state. */
pl_status pl__session_check(pl__session *s, const pl__model *m, size_t point,
                            const pl__choice *choices, int *failed, char *msg,
                            size_t cap);

/* Shrinks a failing combination in place: keeps as many pending ops as
 * possible while the checker still fails.  msg gets the last failure's
 * message. */
pl_status pl__shrink(pl__session *s, const pl__model *m, size_t point,
                     pl__choice *choices, char *msg, size_t cap);

/* The hash used for states. */
uint64_t pl__hash64(uint64_t h, const void *data, size_t n);
#define PL__HASH_SEED 1469598103934665603ULL

#endif /* PLINTH_CRASH_INTERNAL_H */
