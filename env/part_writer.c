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

struct pl_part_writer {
  pl_env *env;
  pl_writable_file *file;
  char *path;
  char *tmp;
  char *dir;
  uint64_t total;
  uint64_t part_size;
  size_t count;
  pl_part_info *parts;
};

void pl_part_writer_options_init(pl_part_writer_options *o) {
  o->part_size = PL_PART_WRITER_DEFAULT_PART_SIZE;
}

static void pw_free(pl_part_writer *pw) {
  free(pw->path);
  free(pw->tmp);
  free(pw->dir);
  free(pw->parts);
  free(pw);
}

/* Keeps the first error's detail across cleanup calls that may overwrite
 * the thread's error. */
typedef struct saved_error {
  pl_status s;
  int os;
  char msg[1024];
} saved_error;

static void save_error(saved_error *e, pl_status s) {
  e->s = s;
  e->os = pl_error_os();
  snprintf(e->msg, sizeof e->msg, "%s", pl_error_message());
}

static pl_status restore_error(const saved_error *e) {
  return pl_error_set(e->s, e->os, "%s", e->msg);
}

pl_status pl_part_writer_open(pl_env *env, const char *path, uint64_t total_size,
                              const pl_part_writer_options *opt,
                              pl_part_writer **out) {
  pl_part_writer *pw;
  pl_writable_options wo;
  pl_status s;
  saved_error err;
  size_t i, plen = strlen(path);
  char dir[4096];
  uint64_t n;
  *out = NULL;
  s = pl_path_dirname(path, dir, sizeof dir);
  if (s != PL_OK) return s;
  pw = calloc(1, sizeof *pw);
  if (pw == NULL) return pl_error_set(PL_IO_ERROR, ENOMEM, "%s: out of memory", path);
  pw->env = env;
  pw->total = total_size;
  pw->part_size = opt && opt->part_size ? opt->part_size : PL_PART_WRITER_DEFAULT_PART_SIZE;
  n = total_size == 0 ? 1 : (total_size + pw->part_size - 1) / pw->part_size;
  if (n > (uint64_t)(SIZE_MAX / sizeof(pl_part_info))) {
    pw_free(pw);
    return pl_error_set(PL_INVALID_ARGUMENT, 0, "%s: too many parts", path);
  }
  pw->count = (size_t)n;
  pw->parts = calloc(pw->count, sizeof *pw->parts);
  pw->path = strdup(path);
  pw->dir = strdup(dir);
  pw->tmp = malloc(plen + sizeof ".parts-tmp");
  if (pw->parts == NULL || pw->path == NULL || pw->dir == NULL || pw->tmp == NULL) {
    pw_free(pw);
    return pl_error_set(PL_IO_ERROR, ENOMEM, "%s: out of memory", path);
  }
  memcpy(pw->tmp, path, plen);
  memcpy(pw->tmp + plen, ".parts-tmp", sizeof ".parts-tmp");
  for (i = 0; i < pw->count; i++) {
    pw->parts[i].offset = (uint64_t)i * pw->part_size;
    pw->parts[i].length = i + 1 < pw->count ? pw->part_size : total_size - pw->parts[i].offset;
  }
  /* Unbuffered: every byte goes through write_at, never through append. */
  pl_writable_options_init(&wo);
  wo.buffer_size = 0;
  s = pl_env_new_writable(env, pw->tmp, &wo, &pw->file);
  if (s != PL_OK) {
    pw_free(pw);
    return s;
  }
  if (pw->file->methods->write_at == NULL) {
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
  save_error(&err, s);
  pl_writable_close(pw->file);
  pl_env_remove_file(env, pw->tmp);
  pw_free(pw);
  return restore_error(&err);
}

size_t pl_part_writer_count(const pl_part_writer *pw) { return pw->count; }

pl_status pl_part_writer_write(pl_part_writer *pw, size_t part,
                               const void *data, size_t n) {
  pl_part_info *p;
  pl_status s;
  if (part >= pw->count)
    return pl_error_set(PL_INVALID_ARGUMENT, 0, "%s: part %llu of %llu", pw->path, (unsigned long long)part, (unsigned long long)pw->count);
  p = &pw->parts[part];
  if (p->status != PL_OK)
    return pl_error_set(p->status, 0, "%s: part %llu failed earlier", pw->path, (unsigned long long)part);
  if ((uint64_t)n > p->length - p->written)
    return pl_error_set(PL_INVALID_ARGUMENT, 0,
                        "%s: %llu bytes do not fit in part %llu (%llu of %llu written)",
                        pw->path, (unsigned long long)n, (unsigned long long)part, (unsigned long long)p->written,
                        (unsigned long long)p->length);
  if (n == 0) return PL_OK;
  s = pl_writable_write_at(pw->file, p->offset + p->written, data, n);
  if (s != PL_OK) {
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
  saved_error err;
  size_t i;
  for (i = 0; i < pw->count && s == PL_OK; i++) {
    const pl_part_info *p = &pw->parts[i];
    if (p->status != PL_OK)
      s = pl_error_set(p->status, 0, "%s: part %llu failed", pw->path, (unsigned long long)i);
    else if (p->written != p->length)
      s = pl_error_set(PL_INVALID_ARGUMENT, 0, "%s: part %llu is incomplete (%llu of %llu bytes)",
                       pw->path, (unsigned long long)i, (unsigned long long)p->written,
                       (unsigned long long)p->length);
  }
  /* Data first, then the name: renaming before the data is durable could
   * publish a file whose contents a power loss then takes away. */
  if (s == PL_OK) s = pl_writable_sync(pw->file);
  if (s != PL_OK) {
    save_error(&err, s);
    pl_writable_close(pw->file);
    pl_env_remove_file(pw->env, pw->tmp);
    pw_free(pw);
    return restore_error(&err);
  }
  s = pl_writable_close(pw->file);
  if (s == PL_OK) s = pl_env_rename(pw->env, pw->tmp, pw->path);
  if (s != PL_OK) {
    save_error(&err, s);
    pl_env_remove_file(pw->env, pw->tmp);
    pw_free(pw);
    return restore_error(&err);
  }
  s = pl_env_sync_dir(pw->env, pw->dir);
  pw_free(pw);
  return s;
}

pl_status pl_part_writer_abort(pl_part_writer *pw) {
  pl_status s;
  pl_writable_close(pw->file);
  s = pl_env_remove_file(pw->env, pw->tmp);
  pw_free(pw);
  return s;
}
