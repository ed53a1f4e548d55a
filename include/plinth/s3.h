/* plinth — the part writer publishing to S3-compatible storage by
 * multipart upload (Amazon S3, Ceph's radosgw, ...).
 *
 * Built into its own library, libplinth_s3 (libcurl with AWS Signature
 * Version 4), when configure finds libcurl 7.75 or later.  The upload is a
 * part sink (plinth/part_writer.h), so the part writer's API is unchanged:
 *
 *   pl_s3_options o;  pl_s3_options_init(&o); o.endpoint = ...; o.bucket = ...;
 *   pl_part_writer *pw;
 *   pl_s3_part_writer_open(&o, "backups/blob", size, NULL, &pw);
 *   ... thread k: pl_part_writer_write(pw, k, buf, n) until part k is full
 *   pl_part_writer_finalize(pw);      (or pl_part_writer_abort(pw))
 *
 * open initiates the multipart upload (POST ?uploads=).  A part is kept in
 * memory until it is whole, then uploaded (PUT ?partNumber=&uploadId=) by
 * the thread whose write completed it, so parts written by different
 * threads upload in parallel; each part's ETag is kept (and its CRC-32C,
 * by the part writer).  finalize completes the upload with every part's
 * ETag: S3 publishes the object atomically -- a reader sees the old object
 * (or none) or the whole new one, never a part.  abort, a failed part and
 * every failed finalize abort the upload (DELETE ?uploadId=), so no parts
 * are left stored; pl_s3_count_uploads lists what is in progress.
 * Every part but the last must be at least S3's minimum part size (5 MiB
 * unless the store says otherwise: min_part_size).
 */
#ifndef PLINTH_S3_H
#define PLINTH_S3_H

#include <stddef.h>
#include <stdint.h>

#include "plinth/export.h"
#include "plinth/part_writer.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PL_S3_DEFAULT_MIN_PART_SIZE (5u << 20)
#define PL_S3_DEFAULT_TIMEOUT_MS 30000u

typedef struct pl_s3_options {
  const char *endpoint;   /* "http://127.0.0.1:8000" (path-style requests) */
  const char *region;     /* signing region: "us-east-1"; radosgw: "default" */
  const char *access_key;
  const char *secret_key;
  const char *bucket;
  /* The store's smallest part but the last; open refuses smaller parts.
   * Default 5 MiB (S3's rule). */
  uint64_t min_part_size;
  /* How long one request may take, in milliseconds.  Default 30 s. */
  unsigned timeout_ms;
} pl_s3_options;

/* Fills *o with the defaults (every string NULL). */
PL_API void pl_s3_options_init(pl_s3_options *o);

/* Fills the strings of *o from PLINTH_S3_ENDPOINT, PLINTH_S3_REGION,
 * PLINTH_S3_ACCESS_KEY, PLINTH_S3_SECRET_KEY and PLINTH_S3_BUCKET (the
 * pointers stay valid while the environment is unchanged).
 * InvalidArgument naming the first one missing. */
PL_API pl_status pl_s3_options_from_environment(pl_s3_options *o);

/* Initiates a multipart upload of key (total_size bytes in parts of
 * opt->part_size) and returns a part writer whose parts go to it.
 * NotFound if the bucket does not exist, InvalidArgument if a part but the
 * last would be below min_part_size, IOError for any other refusal (its
 * HTTP status and S3 error code in the message) or an unreachable store.
 * Nothing is left behind on failure. */
PL_API pl_status pl_s3_part_writer_open(const pl_s3_options *o, const char *key,
                                        uint64_t total_size, const pl_part_writer_options *opt,
                                        pl_part_writer **out);

/* Copies the ETag S3 returned for part (quotes included) into buf.
 * NotFound if the part is not uploaded yet, InvalidArgument if pw does
 * not write to S3 or part is out of range. */
PL_API pl_status pl_s3_part_etag(pl_part_writer *pw, size_t part, char *buf, size_t cap);

/* The upload id S3 gave the upload of pw (for logs and tools). */
PL_API const char *pl_s3_upload_id(pl_part_writer *pw);

/* Creates the bucket; OK if this account already owns it. */
PL_API pl_status pl_s3_create_bucket(const pl_s3_options *o);

/* Counts the multipart uploads in progress for keys starting with prefix
 * (ListMultipartUploads): 0 means no parts are stored for them. */
PL_API pl_status pl_s3_count_uploads(const pl_s3_options *o, const char *prefix, size_t *count);

/* Reads a whole object into a new NUL-terminated buffer (free it).
 * NotFound if there is no such object. */
PL_API pl_status pl_s3_get_object(const pl_s3_options *o, const char *key, char **data,
                                  size_t *n);

/* Deletes an object (OK if there is none). */
PL_API pl_status pl_s3_delete_object(const pl_s3_options *o, const char *key);

#ifdef __cplusplus
}
#endif
#endif /* PLINTH_S3_H */
