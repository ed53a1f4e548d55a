/* Parallel part writer: positional writes into one preallocated temporary
 * file, then sync + rename + directory sync to publish it. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plinth/file_util.h"
#include "plinth/part_writer.h"
#include "util/crc32c.h"
#include "util/error.h"

struct pl_part_writer {
  pl_env *env;
  pl_writable_file *file;
  pl_part_sink *sink; /* instead of env and file, when not NULL */
  char *path;
  char *tmp;
  char *dir;
  uint64_t total;
  uint64_t part_size;
  size_t count;
  pl_part_info *parts;
  /* Per part, the detail of its first failure (allocated when it fails):
   * finalize and later writes report the original OS error and message,
   * not just "part N failed". */
  pl__error_saved **errors;
};

void pl_part_writer_options_init(pl_part_writer_options *o) {
  o->part_size = PL_PART_WRITER_DEFAULT_PART_SIZE;
}

static void pw_free(pl_part_writer *pw) {
  size_t i;
  if (pw->sink != NULL) pw->sink->methods->destroy(pw->sink);
  if (pw->errors != NULL)
    for (i = 0; i < pw->count; i++) free(pw->errors[i]);
  free(pw->errors);
  free(pw->path);
  free(pw->tmp);
  free(pw->dir);
  free(pw->parts);
  free(pw);
}

/* Allocates pw with its parts laid out; dir and the temporary name only
 * when dir is not NULL (a file destination). */
static pl_status pw_new(const char *path, const char *dir, uint64_t total_size,
                        const pl_part_writer_options *opt, pl_part_writer **out) {
  pl_part_writer *pw;
  size_t i, plen = strlen(path);
  uint64_t n;
  *out = NULL;
  pw = calloc(1, sizeof *pw);
  if (pw == NULL) return pl_error_set(PL_IO_ERROR, ENOMEM, "%s: out of memory", path);
  pw->total = total_size;
  pw->part_size = opt && opt->part_size ? opt->part_size : PL_PART_WRITER_DEFAULT_PART_SIZE;
  n = total_size == 0 ? 1 : (total_size + pw->part_size - 1) / pw->part_size;
  if (n > (uint64_t)(SIZE_MAX / sizeof(pl_part_info))) {
    pw_free(pw);
    return pl_error_set(PL_INVALID_ARGUMENT, 0, "%s: too many parts", path);
  }
  pw->count = (size_t)n;
  pw->parts = calloc(pw->count, sizeof *pw->parts);
  pw->errors = calloc(pw->count, sizeof *pw->errors);
  pw->path = strdup(path);
  if (dir != NULL) {
    pw->dir = strdup(dir);
    pw->tmp = malloc(plen + sizeof ".parts-tmp");
  }
  if (pw->parts == NULL || pw->errors == NULL || pw->path == NULL ||
      (dir != NULL && (pw->dir == NULL || pw->tmp == NULL))) {
    pw_free(pw);
    return pl_error_set(PL_IO_ERROR, ENOMEM, "%s: out of memory", path);
  }
  if (dir != NULL) {
    memcpy(pw->tmp, path, plen);
    memcpy(pw->tmp + plen, ".parts-tmp", sizeof ".parts-tmp");
  }
  for (i = 0; i < pw->count; i++) {
    pw->parts[i].offset = (uint64_t)i * pw->part_size;
    pw->parts[i].length = i + 1 < pw->count ? pw->part_size : total_size - pw->parts[i].offset;
  }
  *out = pw;
  return PL_OK;
}

pl_status pl_part_writer_open_sink(pl_part_sink *sink, const char *name, uint64_t total_size,
                                   const pl_part_writer_options *opt, pl_part_writer **out) {
  pl_status s = pw_new(name, NULL, total_size, opt, out);
  if (s != PL_OK) {
    pl__error_saved err;
    pl__error_save(&err, s);
    sink->methods->abort(sink);
    sink->methods->destroy(sink);
    return pl__error_restore(&err);
  }
  (*out)->sink = sink;
  return PL_OK;
}

pl_part_sink *pl_part_writer_sink(pl_part_writer *pw) { return pw->sink; }

pl_status pl_part_writer_open(pl_env *env, const char *path, uint64_t total_size,
                              const pl_part_writer_options *opt,
                              pl_part_writer **out) {
  pl_part_writer *pw;
  pl_writable_options wo;
  pl_status s;
  pl__error_saved err;
  char dir[4096];
  *out = NULL;
  s = pl_path_dirname(path, dir, sizeof dir);
  if (s != PL_OK) return s;
  s = pw_new(path, dir, total_size, opt, &pw);
  if (s != PL_OK) return s;
  pw->env = env;
  /* Unbuffered: every byte goes through write_at, never through append. */
  pl_writable_options_init(&wo);
  wo.buffer_size = 0;
  s = pl_env_new_writable(env, pw->tmp, &wo, &pw->file);
  if (s != PL_OK) {
    pw_free(pw);
    return s;
  }
  if (pw->file->methods->version < 2) { /* write_at is a version-2 method */
    s = pl_error_set(PL_NOT_SUPPORTED, 0, "%s: the env has no positional writes", path);
    goto fail;
  }
  if (total_size > 0) {
    /* Reserve the space up front: no part can then fail for lack of
     * space, and extent allocation does not serialize the writers.  Where
     * the env cannot preallocate, the writes extend the file instead. */
    s = pl_writable_allocate(pw->file, 0, total_size);
    if (s == PL_NOT_SUPPORTED) s = PL_OK;
    if (s != PL_OK) goto fail;
  }
  *out = pw;
  return PL_OK;
fail:
  pl__error_save(&err, s);
  pl_writable_close(pw->file);
  pl_env_remove_file(env, pw->tmp);
  pw_free(pw);
  return pl__error_restore(&err);
}

/* Reports part's earlier failure: its status and OS error, and its
 * message after "<path>: part N <what>: ". */
static pl_status part_failure(pl_part_writer *pw, size_t part, const char *what) {
  const pl__error_saved *e = pw->errors[part];
  if (e == NULL) /* out of memory when it failed: the status is all there is */
    return pl_error_set(pw->parts[part].status, 0, "%s: part %llu %s", pw->path,
                        (unsigned long long)part, what);
  return pl_error_set(e->code, e->os, "%s: part %llu %s: %s", pw->path, (unsigned long long)part,
                      what, e->message);
}

size_t pl_part_writer_count(const pl_part_writer *pw) { return pw->count; }

pl_status pl_part_writer_write(pl_part_writer *pw, size_t part,
                               const void *data, size_t n) {
  pl_part_info *p;
  pl_status s;
  if (part >= pw->count)
    return pl_error_set(PL_INVALID_ARGUMENT, 0, "%s: part %llu of %llu", pw->path, (unsigned long long)part, (unsigned long long)pw->count);
  p = &pw->parts[part];
  if (p->status != PL_OK) return part_failure(pw, part, "failed earlier");
  if ((uint64_t)n > p->length - p->written)
    return pl_error_set(PL_INVALID_ARGUMENT, 0,
                        "%s: %llu bytes do not fit in part %llu (%llu of %llu written)",
                        pw->path, (unsigned long long)n, (unsigned long long)part, (unsigned long long)p->written,
                        (unsigned long long)p->length);
  if (n == 0) return PL_OK;
  if (pw->sink != NULL)
    s = pw->sink->methods->write(pw->sink, part, p->written, data, n, p->written + n == p->length);
  else
    s = pl_writable_write_at(pw->file, p->offset + p->written, data, n);
  if (s != PL_OK) {
    /* Only this part's writer touches its slot: no lock needed. */
    pw->errors[part] = malloc(sizeof *pw->errors[part]);
    if (pw->errors[part] != NULL) pl__error_save(pw->errors[part], s);
    p->status = s;
    return s;
  }
  p->crc32c = pl__crc32c_extend(p->crc32c, data, n);
  p->written += n;
  return PL_OK;
}

pl_status pl_part_writer_part_info(pl_part_writer *pw, size_t part,
                                   pl_part_info *out) {
  if (part >= pw->count)
    return pl_error_set(PL_INVALID_ARGUMENT, 0, "%s: part %llu of %llu", pw->path, (unsigned long long)part, (unsigned long long)pw->count);
  *out = pw->parts[part];
  return PL_OK;
}

pl_status pl_part_writer_finalize(pl_part_writer *pw) {
  pl_status s = PL_OK;
  pl__error_saved err;
  size_t i;
  for (i = 0; i < pw->count && s == PL_OK; i++) {
    const pl_part_info *p = &pw->parts[i];
    if (p->status != PL_OK)
      s = part_failure(pw, i, "failed");
    else if (p->written != p->length)
      s = pl_error_set(PL_INVALID_ARGUMENT, 0, "%s: part %llu is incomplete (%llu of %llu bytes)",
                       pw->path, (unsigned long long)i, (unsigned long long)p->written,
                       (unsigned long long)p->length);
  }
  if (pw->sink != NULL) {
    if (s == PL_OK) {
      s = pw->sink->methods->finalize(pw->sink, pw->parts, pw->count);
    } else {
      pl__error_save(&err, s);
      pw->sink->methods->abort(pw->sink);
      pl__error_restore(&err);
    }
    pw_free(pw);
    return s;
  }
  /* Data first, then the name: renaming before the data is durable could
   * publish a file whose contents a power loss then takes away. */
  if (s == PL_OK) s = pl_writable_sync(pw->file);
  if (s != PL_OK) {
    pl__error_save(&err, s);
    pl_writable_close(pw->file);
    pl_env_remove_file(pw->env, pw->tmp);
    pw_free(pw);
    return pl__error_restore(&err);
  }
  s = pl_writable_close(pw->file);
  if (s == PL_OK) s = pl_env_rename(pw->env, pw->tmp, pw->path);
  if (s != PL_OK) {
    pl__error_save(&err, s);
    pl_env_remove_file(pw->env, pw->tmp);
    pw_free(pw);
    return pl__error_restore(&err);
  }
  s = pl_env_sync_dir(pw->env, pw->dir);
  pw_free(pw);
  return s;
}

pl_status pl_part_writer_abort(pl_part_writer *pw) {
  pl_status s;
  if (pw->sink != NULL) {
    s = pw->sink->methods->abort(pw->sink);
    pw_free(pw);
    return s;
  }
  pl_writable_close(pw->file);
  s = pl_env_remove_file(pw->env, pw->tmp);
  pw_free(pw);
  return s;
}
