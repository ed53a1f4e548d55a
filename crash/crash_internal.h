/* plinth crash harness — pieces shared between crash/ files.  Internal. */
#ifndef PLINTH_CRASH_INTERNAL_H
#define PLINTH_CRASH_INTERNAL_H

#include <stdint.h>

#include "plinth/crash.h"

/* ---- trace file format (trace_file.c) ---- */
#define PL__TRACE_MAGIC "PLTRACE\n"
#define PL__TRACE_VERSION 1
#define PL__TRACE_HEADER_SIZE 16

/* Writes the 16-byte file header into out. */
void pl__trace_header(unsigned char out[PL__TRACE_HEADER_SIZE]);
/* Encodes op as one record into a malloc'ed buffer (*out, *n). */
pl_status pl__trace_encode(const pl_crash_op *op, unsigned char **out, size_t *n);

/* ---- growable byte buffer ---- */
typedef struct pl__cbuf {
  unsigned char *p;
  size_t len, cap;
} pl__cbuf;
int pl__cbuf_reserve(pl__cbuf *b, size_t n);
int pl__cbuf_add(pl__cbuf *b, const void *d, size_t n);
void pl__cbuf_free(pl__cbuf *b);

/* ---- the model (model.c) ---- */

/* A file's data op, in issue order. */
typedef struct pl__mdata {
  size_t op;        /* index in the trace */
  int kind;         /* CREATE (truncate), WRITE, EXTEND */
  int state;        /* M_DURABLE, M_PENDING, M_DROPPED */
  int pending;      /* index in the pending list when M_PENDING */
  int growing;      /* the write extended the file when issued */
} pl__mdata;

enum { M_DURABLE = 0, M_PENDING = 1, M_DROPPED = 2 };

typedef struct pl__minode {
  pl__mdata *ops;
  size_t n, cap;
  size_t synced;    /* ops[0..synced) are covered by a successful sync */
  int is_dir;
  char *label;      /* the path it was created or opened with */
} pl__minode;

/* A namespace op: create of a new entry, rename, unlink, mkdir, rmdir. */
typedef struct pl__mname {
  size_t op;
  int kind;
  char *path, *path2;
  int inode;        /* the inode it names (create, mkdir, rename source) */
  int replaces;     /* rename over an existing file */
  int state;        /* M_DURABLE or M_PENDING */
  int pending;
} pl__mname;

/* A pending op: the choices the generator has for it. */
typedef struct pl__mpend {
  int is_name;      /* 1: names[idx]; 0: inodes[inode].ops[idx] */
  int inode;
  size_t idx;
  int nchoices;     /* 0 lost, 1 kept, 2.. variants */
  int *deps;        /* pending indexes that must not be lost if this is */
  int ndeps, capdeps;
} pl__mpend;

/* Everything the generator needs about one crash point. */
typedef struct pl__model {
  const pl_crash_trace *trace;
  const pl_crash_options *opt;
  size_t end;             /* ops [0, end) are applied */
  pl__minode *inodes;
  int ninodes, capinodes;
  pl__mname *names;
  size_t nnames, capnames;
  pl__mpend *pend;
  int npend, cappend;
  /* The starting tree: entries present before the trace (none: empty). */
  size_t nnotes;          /* notes visible at this point */
  const char **notes;
} pl__model;

/* Writes the directory part of a root-relative path ("" at the root). */
void pl__crash_parent_of(const char *rel, char *out, size_t cap);

/* Builds the model of the crash right after ops [0, end).  Notes that
 * directly follow op end-1 are included. */
pl_status pl__model_build(pl__model *m, const pl_crash_trace *t,
                         const pl_crash_options *o, size_t end);
void pl__model_free(pl__model *m);
/* Non-zero if choices (one per pending op) respects every dependency. */
int pl__model_valid(const pl__model *m, const unsigned char *choices);
/* What one choice for a pending write puts on disk: if grow, the file is
 * at least offset+len long (missing bytes zero or garbage), and the bytes
 * [from, to) of the write are there. */
typedef struct pl__write_variant {
  int grow;
  uint64_t from, to;
} pl__write_variant;
pl__write_variant pl__model_write_variant(const pl__model *m, const pl__mdata *d, int choice);
void pl__model_write_shape(const pl__model *m, size_t op, int growing, int *ntears,
                          uint64_t *npieces);
/* Describes the lost or torn ops of choices, one per line; *count gets
 * their number.  Returns a malloc'ed string. */
char *pl__model_describe_lost(const pl__model *m, const unsigned char *choices,
                             size_t *count);

/* ---- states (state.c) ---- */
typedef struct pl__sentry {
  char *path;
  int is_dir;
  int inode;
} pl__sentry;

typedef struct pl__state {
  pl__sentry *e;
  size_t n, cap;
  pl__cbuf *content;       /* per inode */
  int ncontent;
} pl__state;

/* Computes the directory tree left by choices into *s (reusing its
 * memory); *hash gets a hash of the tree and contents. */
pl_status pl__state_build(const pl__model *m, const unsigned char *choices,
                         pl__state *s, uint64_t *hash);
void pl__state_free(pl__state *s);
/* Writes s under dir (which exists and is empty). */
pl_status pl__state_materialize(pl_env *env, const pl__state *s, const char *dir);

/* ---- ids (generator.c) ---- */
/* "<point>:<choices>", choices run-length coded ("1*40.0.2"). */
char *pl__state_id(size_t point, const unsigned char *choices, int n);
/* Parses id; *choices is malloc'ed with *n entries. */
pl_status pl__state_id_parse(const char *id, size_t *point,
                            unsigned char **choices, int *n);

/* ---- checkers (checker.c) ---- */
pl_status pl__checker_run(const pl_crash_checker *c, pl_env *env,
                         const char *work, const char *dir,
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

/* Writes the state of choices into the session's directory and runs the
 * checker on it; *failed and msg get the verdict. */
pl_status pl__session_try(pl__session *s, const pl__model *m, const unsigned char *choices,
                         int *failed, char *msg, size_t cap);

/* Shrinks a failing combination in place: keeps as many pending ops as
 * possible while the checker still fails.  msg gets the last failure's
 * message. */
pl_status pl__shrink(pl__session *s, const pl__model *m, unsigned char *choices, char *msg,
                    size_t cap);

/* The hash used for states. */
uint64_t pl__hash64(uint64_t h, const void *data, size_t n);
#define PL__HASH_SEED 1469598103934665603ULL

#endif /* PLINTH_CRASH_INTERNAL_H */
