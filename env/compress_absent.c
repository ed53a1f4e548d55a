/* Compressed files in a build without libzstd: the same functions, each
 * answering PL_NOT_SUPPORTED, so code that uses them builds everywhere and
 * asks pl_compress_available() at run time. */
#include "config.h"

#include "env/compress_internal.h"

static pl_status absent(void) {
  return pl_error_set(PL_NOT_SUPPORTED, 0, "compression: this plinth was built without libzstd");
}

int pl_compress_available(int algorithm) {
  (void)algorithm;
  return 0;
}

pl_status pl_compress_writable_new(pl_writable_file *target, const pl_compress_options *o,
                                   pl_writable_file **out) {
  *out = NULL;
  return absent();
}

pl_status pl_env_new_compressed_writable(pl_env *env, const char *path,
                                         const pl_writable_options *wopt,
                                         const pl_compress_options *copt, pl_writable_file **out) {
  *out = NULL;
  return absent();
}

pl_status pl_compress_stats_get(pl_writable_file *f, pl_compress_stats *out) { return absent(); }

pl_status pl_compress_sequential_new(pl_sequential_file *src, const pl_compress_read_options *o,
                                     pl_sequential_file **out) {
  *out = NULL;
  return absent();
}

pl_status pl_env_new_compressed_sequential(pl_env *env, const char *path,
                                           const pl_compress_read_options *o,
                                           pl_sequential_file **out) {
  *out = NULL;
  return absent();
}

pl_status pl_compress_read_end(pl_sequential_file *f, pl_compress_end *out) { return absent(); }
