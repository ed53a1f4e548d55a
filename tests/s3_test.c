/* The part writer's S3 multipart sink against radosgw: parallel parts,
 * ETags, atomic publish, abort and every failure leaving no upload behind
 * (checked with ListMultipartUploads), and the error paths.  Needs the
 * PLINTH_S3_* variables of a running radosgw: run by `make check-ceph`. */
#include "config.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "plinth/s3.h"
#include "tests/test_util.h"

#define MIB (1u << 20)
#define PART (5 * MIB)

static pl_s3_options opts;
static char key[256];
static char *data;
static size_t data_len;

static void setup(void) {
  static int n;
  size_t i;
  pl_s3_options_init(&opts);
  setenv("PLINTH_S3_BUCKET", "plinth-test", 0);
  ck_assert_pl_ok(pl_s3_options_from_environment(&opts));
  ck_assert_pl_ok(pl_s3_create_bucket(&opts));
  snprintf(key, sizeof key, "parts/%d-%d", (int)getpid(), ++n);
  data_len = 2 * PART + 123457;
  data = malloc(data_len);
  for (i = 0; i < data_len; i++) data[i] = (char)((i * 2654435761u) >> 13);
}

static void teardown(void) {
  pl_s3_delete_object(&opts, key);
  free(data);
}

static void expect_object(const char *k, const char *want, size_t n) {
  char *got;
  size_t len;
  ck_assert_pl_ok(pl_s3_get_object(&opts, k, &got, &len));
  ck_assert_uint_eq(len, n);
  ck_assert_msg(memcmp(got, want, n) == 0, "object %s differs", k);
  free(got);
}

static void expect_absent(const char *k) {
  char *got;
  size_t len;
  ck_assert_int_eq(pl_s3_get_object(&opts, k, &got, &len), PL_NOT_FOUND);
}

static void expect_no_uploads(const char *k) {
  size_t count = 99;
  ck_assert_pl_ok(pl_s3_count_uploads(&opts, k, &count));
  ck_assert_uint_eq(count, 0);
}

static pl_part_writer *open_writer(uint64_t size) {
  pl_part_writer *pw;
  pl_part_writer_options po;
  pl_part_writer_options_init(&po);
  po.part_size = PART;
  ck_assert_pl_ok(pl_s3_part_writer_open(&opts, key, size, &po, &pw));
  return pw;
}

/* Writes part k in 1 MiB pieces. */
static pl_status write_part(pl_part_writer *pw, size_t k) {
  pl_part_info info;
  uint64_t done = 0;
  pl_status s = pl_part_writer_part_info(pw, k, &info);
  while (s == PL_OK && done < info.length) {
    size_t n = info.length - done < MIB ? (size_t)(info.length - done) : MIB;
    s = pl_part_writer_write(pw, k, data + info.offset + done, n);
    done += n;
  }
  return s;
}

typedef struct worker {
  pl_part_writer *pw;
  size_t part;
  pl_status s;
} worker;

static void *run_worker(void *arg) {
  worker *w = arg;
  w->s = write_part(w->pw, w->part);
  return NULL;
}

START_TEST(parts_uploaded_in_parallel_are_published_whole) {
  pl_part_writer *pw = open_writer(data_len);
  pthread_t t[3];
  worker w[3];
  size_t k;
  ck_assert_uint_eq(pl_part_writer_count(pw), 3);
  ck_assert_ptr_nonnull(pl_s3_upload_id(pw));
  for (k = 0; k < 3; k++) {
    w[k].pw = pw;
    w[k].part = k;
    ck_assert_int_eq(pthread_create(&t[k], NULL, run_worker, &w[k]), 0);
  }
  for (k = 0; k < 3; k++) {
    pthread_join(t[k], NULL);
    ck_assert_pl_ok(w[k].s);
  }
  ck_assert_pl_ok(pl_part_writer_finalize(pw));
  expect_object(key, data, data_len);
  expect_no_uploads(key);
}
END_TEST

START_TEST(each_part_keeps_its_etag_and_crc) {
  pl_part_writer *pw = open_writer(data_len);
  pl_part_info info;
  char etag[128], etag2[128];
  ck_assert_int_eq(pl_s3_part_etag(pw, 0, etag, sizeof etag), PL_NOT_FOUND);
  ck_assert_pl_ok(write_part(pw, 0));
  ck_assert_pl_ok(write_part(pw, 1));
  ck_assert_pl_ok(pl_s3_part_etag(pw, 0, etag, sizeof etag));
  ck_assert_pl_ok(pl_s3_part_etag(pw, 1, etag2, sizeof etag2));
  ck_assert_int_eq(etag[0], '"');
  ck_assert_str_ne(etag, etag2);
  ck_assert_pl_ok(pl_part_writer_part_info(pw, 0, &info));
  ck_assert_uint_eq(info.written, PART);
  ck_assert_uint_ne(info.crc32c, 0);
  ck_assert_int_eq(pl_s3_part_etag(pw, 7, etag, sizeof etag), PL_INVALID_ARGUMENT);
  ck_assert_pl_ok(pl_part_writer_abort(pw));
}
END_TEST

START_TEST(object_is_absent_until_finalize) {
  pl_part_writer *pw = open_writer(data_len);
  size_t k;
  for (k = 0; k < 3; k++) ck_assert_pl_ok(write_part(pw, k));
  expect_absent(key);
  ck_assert_pl_ok(pl_part_writer_finalize(pw));
  expect_object(key, data, data_len);
}
END_TEST

START_TEST(existing_object_keeps_its_contents_until_finalize) {
  pl_part_writer *pw;
  size_t k;
  /* A one-part object first. */
  pw = open_writer(11);
  ck_assert_pl_ok(pl_part_writer_write(pw, 0, "old object", 11));
  ck_assert_pl_ok(pl_part_writer_finalize(pw));
  pw = open_writer(data_len);
  for (k = 0; k < 3; k++) ck_assert_pl_ok(write_part(pw, k));
  expect_object(key, "old object", 11);
  ck_assert_pl_ok(pl_part_writer_finalize(pw));
  expect_object(key, data, data_len);
}
END_TEST

START_TEST(abort_removes_every_uploaded_part) {
  pl_part_writer *pw = open_writer(data_len);
  size_t count;
  ck_assert_pl_ok(write_part(pw, 0));
  ck_assert_pl_ok(write_part(pw, 2));
  ck_assert_pl_ok(pl_s3_count_uploads(&opts, key, &count));
  ck_assert_uint_eq(count, 1);
  ck_assert_pl_ok(pl_part_writer_abort(pw));
  expect_no_uploads(key);
  expect_absent(key);
}
END_TEST

START_TEST(incomplete_part_fails_finalize_and_aborts_the_upload) {
  pl_part_writer *pw = open_writer(data_len);
  ck_assert_pl_ok(write_part(pw, 0));
  ck_assert_pl_ok(write_part(pw, 1));
  ck_assert_pl_ok(pl_part_writer_write(pw, 2, data, 10));
  ck_assert_int_eq(pl_part_writer_finalize(pw), PL_INVALID_ARGUMENT);
  ck_assert_msg(strstr(pl_error_message(), "incomplete") != NULL, "%s", pl_error_message());
  expect_no_uploads(key);
  expect_absent(key);
}
END_TEST

/* Aborts the upload behind the part writer's back, as another client (or
 * a lifecycle rule) could: the parts that follow are refused. */
static void abort_from_outside(const char *upload_id) {
  char url[1024], sig[128], user[512];
  struct curl_slist *h = NULL;
  CURL *c = curl_easy_init();
  long status = 0;
  snprintf(url, sizeof url, "%s/%s/%s?uploadId=%s", opts.endpoint, opts.bucket, key, upload_id);
  snprintf(sig, sizeof sig, "aws:amz:%s:s3", opts.region);
  snprintf(user, sizeof user, "%s:%s", opts.access_key, opts.secret_key);
  h = curl_slist_append(h, "x-amz-content-sha256: UNSIGNED-PAYLOAD");
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "DELETE");
  curl_easy_setopt(c, CURLOPT_AWS_SIGV4, sig);
  curl_easy_setopt(c, CURLOPT_USERPWD, user);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
  ck_assert_int_eq(curl_easy_perform(c), CURLE_OK);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  ck_assert_int_eq(status, 204);
  curl_easy_cleanup(c);
  curl_slist_free_all(h);
}

START_TEST(failed_part_fails_finalize_with_its_error_and_leaves_no_upload) {
  pl_part_writer *pw = open_writer(data_len);
  pl_part_info info;
  ck_assert_pl_ok(write_part(pw, 0));
  abort_from_outside(pl_s3_upload_id(pw));
  ck_assert_int_eq(write_part(pw, 1), PL_NOT_FOUND);
  ck_assert_msg(strstr(pl_error_message(), "NoSuchUpload") != NULL, "%s", pl_error_message());
  ck_assert_pl_ok(pl_part_writer_part_info(pw, 1, &info));
  ck_assert_int_eq(info.status, PL_NOT_FOUND);
  ck_assert_int_eq(write_part(pw, 2), PL_NOT_FOUND);
  ck_assert_int_ne(pl_part_writer_finalize(pw), PL_OK);
  ck_assert_msg(strstr(pl_error_message(), "part 1") != NULL, "%s", pl_error_message());
  expect_no_uploads(key);
  expect_absent(key);
}
END_TEST

START_TEST(empty_object_is_published) {
  pl_part_writer *pw = open_writer(0);
  ck_assert_uint_eq(pl_part_writer_count(pw), 1);
  ck_assert_pl_ok(pl_part_writer_finalize(pw));
  expect_object(key, "", 0);
  expect_no_uploads(key);
}
END_TEST

START_TEST(parts_below_the_minimum_size_are_refused) {
  pl_part_writer *pw = (pl_part_writer *)1;
  pl_part_writer_options po;
  pl_part_writer_options_init(&po);
  po.part_size = MIB;
  ck_assert_int_eq(pl_s3_part_writer_open(&opts, key, 3 * MIB, &po, &pw), PL_INVALID_ARGUMENT);
  ck_assert_ptr_null(pw);
  expect_no_uploads(key);
}
END_TEST

START_TEST(missing_bucket_is_not_found) {
  pl_part_writer *pw;
  opts.bucket = "plinth-no-such-bucket";
  ck_assert_int_eq(pl_s3_part_writer_open(&opts, key, 10, NULL, &pw), PL_NOT_FOUND);
  ck_assert_msg(strstr(pl_error_message(), "NoSuchBucket") != NULL, "%s", pl_error_message());
  opts.bucket = "plinth-test";
}
END_TEST

START_TEST(wrong_secret_is_refused_and_leaves_nothing) {
  pl_part_writer *pw;
  opts.secret_key = "not-the-secret";
  ck_assert_int_eq(pl_s3_part_writer_open(&opts, key, 10, NULL, &pw), PL_IO_ERROR);
  ck_assert_msg(strstr(pl_error_message(), "HTTP 403") != NULL, "%s", pl_error_message());
  ck_assert_pl_ok(pl_s3_options_from_environment(&opts));
  expect_no_uploads(key);
}
END_TEST

START_TEST(unreachable_endpoint_fails_within_the_timeout) {
  pl_part_writer *pw;
  time_t t0 = time(NULL);
  opts.endpoint = "http://127.0.0.1:9";
  opts.timeout_ms = 2000;
  ck_assert_int_eq(pl_s3_part_writer_open(&opts, key, 10, NULL, &pw), PL_IO_ERROR);
  ck_assert_int_le(time(NULL) - t0, 5);
  ck_assert_msg(strstr(pl_error_message(), "127.0.0.1:9") != NULL, "%s", pl_error_message());
  ck_assert_pl_ok(pl_s3_options_from_environment(&opts));
}
END_TEST

START_TEST(missing_settings_are_invalid_arguments) {
  pl_s3_options o;
  pl_part_writer *pw;
  const char *saved = getenv("PLINTH_S3_ENDPOINT");
  pl_s3_options_init(&o);
  ck_assert_int_eq(pl_s3_part_writer_open(&o, key, 10, NULL, &pw), PL_INVALID_ARGUMENT);
  unsetenv("PLINTH_S3_ENDPOINT");
  ck_assert_int_eq(pl_s3_options_from_environment(&o), PL_INVALID_ARGUMENT);
  ck_assert_msg(strstr(pl_error_message(), "PLINTH_S3_ENDPOINT") != NULL, "%s", pl_error_message());
  setenv("PLINTH_S3_ENDPOINT", saved, 1);
}
END_TEST

int main(void) {
  TCase *tc;
  Suite *s = pl_test_suite(&tc, "s3", "s3", setup, teardown, 0);
  tcase_add_test(tc, parts_uploaded_in_parallel_are_published_whole);
  tcase_add_test(tc, each_part_keeps_its_etag_and_crc);
  tcase_add_test(tc, object_is_absent_until_finalize);
  tcase_add_test(tc, existing_object_keeps_its_contents_until_finalize);
  tcase_add_test(tc, abort_removes_every_uploaded_part);
  tcase_add_test(tc, incomplete_part_fails_finalize_and_aborts_the_upload);
  tcase_add_test(tc, failed_part_fails_finalize_with_its_error_and_leaves_no_upload);
  tcase_add_test(tc, empty_object_is_published);
  tcase_add_test(tc, parts_below_the_minimum_size_are_refused);
  tcase_add_test(tc, missing_bucket_is_not_found);
  tcase_add_test(tc, wrong_secret_is_refused_and_leaves_nothing);
  tcase_add_test(tc, unreachable_endpoint_fails_within_the_timeout);
  tcase_add_test(tc, missing_settings_are_invalid_arguments);
  suite_add_tcase(s, tc);
  return pl_test_run(s);
}
