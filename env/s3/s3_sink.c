/* The S3 multipart sink of the part writer, and the few S3 calls around it,
 * over libcurl with AWS Signature Version 4. */
#include "config.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plinth/s3.h"
#include "port/thread.h"

/* ------------------------------------------------------------------ */
/* Requests                                                            */

typedef struct s3_buf {
  char *data;
  size_t len, cap;
  int oom;
} s3_buf;

typedef struct req {
  const pl_s3_options *o;
  const char *method; /* GET, PUT, POST, DELETE */
  const char *key;    /* NULL: the bucket itself */
  const char *query;  /* NULL, or parameters already in sorted order */
  const void *body;
  size_t body_len;
  s3_buf resp;
  char etag[128];
  long status;
} req;

static pl__once curl_once = PL__ONCE_INIT;
static int curl_init_failed;
static void init_curl(void) { curl_init_failed = curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK; }

static size_t on_body(char *p, size_t size, size_t n, void *arg) {
  s3_buf *b = arg;
  size_t len = size * n;
  if (b->len + len + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    char *d;
    while (cap < b->len + len + 1) cap *= 2;
    d = realloc(b->data, cap);
    if (d == NULL) {
      b->oom = 1;
      return 0;
    }
    b->data = d;
    b->cap = cap;
  }
  memcpy(b->data + b->len, p, len);
  b->len += len;
  b->data[b->len] = '\0';
  return len;
}

static size_t on_header(char *p, size_t size, size_t n, void *arg) {
  req *r = arg;
  size_t len = size * n;
  if (len > 5 && strncasecmp(p, "etag:", 5) == 0) {
    size_t i = 5, j = len;
    while (i < j && (p[i] == ' ' || p[i] == '\t')) i++;
    while (j > i && (p[j - 1] == '\r' || p[j - 1] == '\n' || p[j - 1] == ' ')) j--;
    if (j - i < sizeof r->etag) {
      memcpy(r->etag, p + i, j - i);
      r->etag[j - i] = '\0';
    }
  }
  return len;
}

/* Appends s to out percent-encoded as SigV4's canonical form wants it:
 * everything but unreserved characters, and '/' too unless keep_slash
 * (paths keep it, query values do not). */
static void encode(char *out, size_t cap, const char *s, int keep_slash) {
  size_t len = strlen(out);
  for (; *s && len + 4 < cap; s++) {
    unsigned char c = (unsigned char)*s;
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~' || (c == '/' && keep_slash))
      out[len++] = (char)c;
    else
      len += (size_t)snprintf(out + len, cap - len, "%%%02X", c);
  }
  out[len] = '\0';
}

/* The text of <Code> in an S3 error document, or "". */
static void error_code(const s3_buf *b, char *code, size_t cap) {
  const char *p = b->data ? strstr(b->data, "<Code>") : NULL, *q;
  code[0] = '\0';
  if (p == NULL) return;
  p += 6;
  q = strstr(p, "</Code>");
  if (q == NULL || (size_t)(q - p) >= cap) return;
  memcpy(code, p, (size_t)(q - p));
  code[q - p] = '\0';
}

/* Runs r; on a transport failure or an HTTP status of 300 and above
 * returns the failure ("<what> <bucket>/<key>: ..."), NotFound for 404. */
static pl_status perform(req *r, const char *what) {
  const pl_s3_options *o = r->o;
  CURL *h;
  struct curl_slist *hdr = NULL;
  char url[4096], sigv4[160], code[128];
  CURLcode rc;
  pl_status s = PL_OK;
  pl__once_run(&curl_once, init_curl);
  if (curl_init_failed) return pl_error_set(PL_IO_ERROR, 0, "%s: libcurl cannot be initialized", what);
  snprintf(url, sizeof url, "%s/", o->endpoint);
  encode(url, sizeof url, o->bucket, 1);
  if (r->key) {
    strncat(url, "/", sizeof url - strlen(url) - 1);
    encode(url, sizeof url, r->key, 1);
  }
  if (r->query) {
    strncat(url, "?", sizeof url - strlen(url) - 1);
    strncat(url, r->query, sizeof url - strlen(url) - 1);
  }
  h = curl_easy_init();
  if (h == NULL) return pl_error_set(PL_IO_ERROR, ENOMEM, "%s: out of memory", what);
  snprintf(sigv4, sizeof sigv4, "aws:amz:%s:s3", o->region);
  /* radosgw checks the payload hash header; the body is not signed. */
  hdr = curl_slist_append(hdr, "x-amz-content-sha256: UNSIGNED-PAYLOAD");
  curl_easy_setopt(h, CURLOPT_URL, url);
  curl_easy_setopt(h, CURLOPT_AWS_SIGV4, sigv4);
  curl_easy_setopt(h, CURLOPT_USERNAME, o->access_key);
  curl_easy_setopt(h, CURLOPT_PASSWORD, o->secret_key);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)o->timeout_ms);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)o->timeout_ms);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &r->resp);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
  if (strcmp(r->method, "PUT") == 0 || strcmp(r->method, "POST") == 0) {
    hdr = curl_slist_append(hdr, "Content-Type: application/octet-stream");
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, r->body ? r->body : "");
    if (strcmp(r->method, "PUT") == 0) curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "PUT");
  } else if (strcmp(r->method, "DELETE") == 0) {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "DELETE");
  }
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
  rc = curl_easy_perform(h);
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
  curl_easy_cleanup(h);
  curl_slist_free_all(hdr);
  if (r->resp.oom) {
    s = pl_error_set(PL_IO_ERROR, ENOMEM, "%s %s/%s: out of memory", what, o->bucket, r->key ? r->key : "");
  } else if (rc != CURLE_OK) {
    int e = rc == CURLE_OPERATION_TIMEDOUT ? ETIMEDOUT : rc == CURLE_COULDNT_CONNECT ? ECONNREFUSED : EIO;
    s = pl_error_set(PL_IO_ERROR, e, "%s %s/%s: %s (%s)", what, o->bucket, r->key ? r->key : "",
                     curl_easy_strerror(rc), o->endpoint);
  } else if (r->status >= 300 ||
             (strcmp(r->method, "POST") == 0 && r->resp.data && strstr(r->resp.data, "<Error>"))) {
    /* S3 may answer 200 and still fail (CompleteMultipartUpload): the
     * error document says so. */
    error_code(&r->resp, code, sizeof code);
    s = pl_error_set(r->status == 404 ? PL_NOT_FOUND : PL_IO_ERROR, r->status == 404 ? ENOENT : EIO,
                     "%s %s/%s: HTTP %ld %s", what, o->bucket, r->key ? r->key : "", r->status,
                     code[0] ? code : "(no S3 error code)");
  }
  return s;
}

static void req_init(req *r, const pl_s3_options *o, const char *method, const char *key,
                     const char *query) {
  memset(r, 0, sizeof *r);
  r->o = o;
  r->method = method;
  r->key = key;
  r->query = query;
}

static void req_done(req *r) { free(r->resp.data); }

/* ------------------------------------------------------------------ */
/* The sink                                                            */

typedef struct s3_part {
  char *data; /* the part's bytes until it is uploaded */
  char etag[128];
  int uploaded;
} s3_part;

typedef struct s3_sink {
  pl_part_sink base;
  pl_s3_options o; /* strings owned (strdup) */
  char *key;
  char upload_id[512];
  uint64_t part_size, total;
  size_t count;
  s3_part *parts;
  int done; /* completed or aborted: nothing left to abort */
} s3_sink;

static uint64_t part_length(s3_sink *k, size_t part) {
  return part + 1 < k->count ? k->part_size : k->total - (uint64_t)part * k->part_size;
}

static pl_status upload_part(s3_sink *k, size_t part, const void *data, size_t n) {
  char query[700];
  req r;
  pl_status s;
  snprintf(query, sizeof query, "partNumber=%llu&uploadId=%s", (unsigned long long)part + 1, k->upload_id);
  req_init(&r, &k->o, "PUT", k->key, query);
  r.body = data;
  r.body_len = n;
  s = perform(&r, "upload part");
  if (s == PL_OK && r.etag[0] == '\0')
    s = pl_error_set(PL_IO_ERROR, EIO, "upload part %llu of %s/%s: no ETag in the answer",
                     (unsigned long long)part + 1, k->o.bucket, k->key);
  if (s == PL_OK) {
    memcpy(k->parts[part].etag, r.etag, sizeof r.etag);
    k->parts[part].uploaded = 1;
  }
  req_done(&r);
  return s;
}

static pl_status sink_write(pl_part_sink *base, size_t part, uint64_t offset, const void *data, size_t n,
                            int last) {
  s3_sink *k = (s3_sink *)base;
  s3_part *p = &k->parts[part];
  uint64_t len = part_length(k, part);
  pl_status s;
  /* A part whose bytes come in one write goes up from the caller's memory. */
  if (offset == 0 && last) return upload_part(k, part, data, n);
  if (p->data == NULL) {
    p->data = malloc(len ? (size_t)len : 1);
    if (p->data == NULL)
      return pl_error_set(PL_IO_ERROR, ENOMEM, "%s/%s: out of memory for part %llu", k->o.bucket, k->key,
                          (unsigned long long)part + 1);
  }
  memcpy(p->data + offset, data, n);
  if (!last) return PL_OK;
  s = upload_part(k, part, p->data, (size_t)len);
  free(p->data);
  p->data = NULL;
  return s;
}

static pl_status abort_upload(s3_sink *k) {
  char query[600];
  req r;
  pl_status s;
  if (k->done) return PL_OK;
  snprintf(query, sizeof query, "uploadId=%s", k->upload_id);
  req_init(&r, &k->o, "DELETE", k->key, query);
  s = perform(&r, "abort upload");
  /* NoSuchUpload: already gone, which is what abort wants. */
  if (s == PL_NOT_FOUND) s = PL_OK;
  if (s == PL_OK) k->done = 1;
  req_done(&r);
  return s;
}

static pl_status sink_abort(pl_part_sink *base) { return abort_upload((s3_sink *)base); }

static pl_status sink_finalize(pl_part_sink *base, const pl_part_info *parts, size_t count) {
  s3_sink *k = (s3_sink *)base;
  size_t i, cap = 128 + count * 200, len;
  char query[600], *xml;
  req r;
  pl_status s = PL_OK;
  /* An empty file is one empty part, which no write uploaded. */
  for (i = 0; s == PL_OK && i < count; i++)
    if (!k->parts[i].uploaded && parts[i].length == 0) s = upload_part(k, i, "", 0);
  xml = s == PL_OK ? malloc(cap) : NULL;
  if (s == PL_OK && xml == NULL) s = pl_error_set(PL_IO_ERROR, ENOMEM, "%s/%s: out of memory", k->o.bucket, k->key);
  if (s != PL_OK) {
    pl_status e = s;
    char msg[1024];
    int os = pl_error_os();
    snprintf(msg, sizeof msg, "%s", pl_error_message());
    abort_upload(k);
    return pl_error_set(e, os, "%s", msg);
  }
  len = (size_t)snprintf(xml, cap, "<CompleteMultipartUpload>");
  for (i = 0; i < count; i++)
    len += (size_t)snprintf(xml + len, cap - len, "<Part><PartNumber>%llu</PartNumber><ETag>%s</ETag></Part>",
                            (unsigned long long)i + 1, k->parts[i].etag);
  len += (size_t)snprintf(xml + len, cap - len, "</CompleteMultipartUpload>");
  snprintf(query, sizeof query, "uploadId=%s", k->upload_id);
  req_init(&r, &k->o, "POST", k->key, query);
  r.body = xml;
  r.body_len = len;
  s = perform(&r, "complete upload");
  req_done(&r);
  free(xml);
  if (s == PL_OK) {
    k->done = 1;
  } else {
    int os = pl_error_os();
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", pl_error_message());
    abort_upload(k);
    s = pl_error_set(s, os, "%s", msg);
  }
  return s;
}

static void sink_destroy(pl_part_sink *base) {
  s3_sink *k = (s3_sink *)base;
  size_t i;
  if (k->parts)
    for (i = 0; i < k->count; i++) free(k->parts[i].data);
  free(k->parts);
  free(k->key);
  free((char *)k->o.endpoint);
  free((char *)k->o.region);
  free((char *)k->o.access_key);
  free((char *)k->o.secret_key);
  free((char *)k->o.bucket);
  free(k);
}

static const pl_part_sink_methods s3_methods = {PL_PART_SINK_VERSION, sink_write, sink_finalize,
                                                sink_abort, sink_destroy};

/* ------------------------------------------------------------------ */
/* Public calls                                                        */

void pl_s3_options_init(pl_s3_options *o) {
  memset(o, 0, sizeof *o);
  o->min_part_size = PL_S3_DEFAULT_MIN_PART_SIZE;
  o->timeout_ms = PL_S3_DEFAULT_TIMEOUT_MS;
}

pl_status pl_s3_options_from_environment(pl_s3_options *o) {
  static const char *const names[] = {"PLINTH_S3_ENDPOINT", "PLINTH_S3_REGION", "PLINTH_S3_ACCESS_KEY",
                                      "PLINTH_S3_SECRET_KEY", "PLINTH_S3_BUCKET"};
  const char **fields[5];
  size_t i;
  fields[0] = &o->endpoint;
  fields[1] = &o->region;
  fields[2] = &o->access_key;
  fields[3] = &o->secret_key;
  fields[4] = &o->bucket;
  for (i = 0; i < 5; i++) {
    const char *v = getenv(names[i]);
    if (v == NULL || *v == '\0') return pl_error_set(PL_INVALID_ARGUMENT, EINVAL, "%s is not set", names[i]);
    *fields[i] = v;
  }
  return PL_OK;
}

static pl_status check_options(const pl_s3_options *o) {
  if (o->endpoint == NULL || o->region == NULL || o->access_key == NULL || o->secret_key == NULL ||
      o->bucket == NULL)
    return pl_error_set(PL_INVALID_ARGUMENT, EINVAL,
                        "s3: endpoint, region, access key, secret key and bucket are all required");
  return PL_OK;
}

pl_status pl_s3_part_writer_open(const pl_s3_options *o, const char *key, uint64_t total_size,
                                 const pl_part_writer_options *opt, pl_part_writer **out) {
  s3_sink *k;
  uint64_t part_size = opt && opt->part_size ? opt->part_size : PL_PART_WRITER_DEFAULT_PART_SIZE;
  const char *p, *q;
  req r;
  pl_status s = check_options(o);
  *out = NULL;
  if (s != PL_OK) return s;
  if (total_size > part_size && part_size < o->min_part_size)
    return pl_error_set(PL_INVALID_ARGUMENT, EINVAL,
                        "s3 %s/%s: parts of %llu bytes are below the store's minimum part size (%llu)",
                        o->bucket, key, (unsigned long long)part_size, (unsigned long long)o->min_part_size);
  if (total_size / part_size >= 10000)
    return pl_error_set(PL_INVALID_ARGUMENT, EINVAL, "s3 %s/%s: more than 10000 parts (S3's limit)", o->bucket, key);
  k = calloc(1, sizeof *k);
  if (k == NULL) return pl_error_set(PL_IO_ERROR, ENOMEM, "s3: out of memory");
  k->base.methods = &s3_methods;
  k->o = *o;
  k->o.endpoint = strdup(o->endpoint);
  k->o.region = strdup(o->region);
  k->o.access_key = strdup(o->access_key);
  k->o.secret_key = strdup(o->secret_key);
  k->o.bucket = strdup(o->bucket);
  k->key = strdup(key);
  k->part_size = part_size;
  k->total = total_size;
  k->count = total_size == 0 ? 1 : (size_t)((total_size + part_size - 1) / part_size);
  k->parts = calloc(k->count, sizeof *k->parts);
  if (!k->o.endpoint || !k->o.region || !k->o.access_key || !k->o.secret_key || !k->o.bucket || !k->key ||
      !k->parts) {
    sink_destroy(&k->base);
    return pl_error_set(PL_IO_ERROR, ENOMEM, "s3: out of memory");
  }
  /* Initiate: the answer carries the upload's id. */
  req_init(&r, &k->o, "POST", k->key, "uploads=");
  s = perform(&r, "initiate upload");
  p = s == PL_OK && r.resp.data ? strstr(r.resp.data, "<UploadId>") : NULL;
  q = p ? strstr(p, "</UploadId>") : NULL;
  if (s == PL_OK && (q == NULL || (size_t)(q - p - 10) >= sizeof k->upload_id))
    s = pl_error_set(PL_IO_ERROR, EIO, "initiate upload %s/%s: no UploadId in the answer", o->bucket, key);
  if (s == PL_OK) {
    memcpy(k->upload_id, p + 10, (size_t)(q - p - 10));
    k->upload_id[q - p - 10] = '\0';
  }
  req_done(&r);
  if (s != PL_OK) {
    k->done = 1; /* nothing to abort */
    sink_destroy(&k->base);
    return s;
  }
  return pl_part_writer_open_sink(&k->base, key, total_size, opt, out);
}

static s3_sink *sink_of(pl_part_writer *pw) {
  pl_part_sink *sk = pl_part_writer_sink(pw);
  return sk != NULL && sk->methods == &s3_methods ? (s3_sink *)sk : NULL;
}

pl_status pl_s3_part_etag(pl_part_writer *pw, size_t part, char *buf, size_t cap) {
  s3_sink *k = sink_of(pw);
  if (k == NULL) return pl_error_set(PL_INVALID_ARGUMENT, EINVAL, "not an S3 part writer");
  if (part >= k->count)
    return pl_error_set(PL_INVALID_ARGUMENT, EINVAL, "%s: part %llu of %llu", k->key, (unsigned long long)part,
                        (unsigned long long)k->count);
  if (!k->parts[part].uploaded)
    return pl_error_set(PL_NOT_FOUND, ENOENT, "%s: part %llu is not uploaded yet", k->key, (unsigned long long)part);
  if (strlen(k->parts[part].etag) + 1 > cap) return pl_error_set(PL_INVALID_ARGUMENT, EINVAL, "etag: buffer too small");
  strcpy(buf, k->parts[part].etag);
  return PL_OK;
}

const char *pl_s3_upload_id(pl_part_writer *pw) {
  s3_sink *k = sink_of(pw);
  return k ? k->upload_id : NULL;
}

pl_status pl_s3_create_bucket(const pl_s3_options *o) {
  req r;
  char code[128];
  pl_status s = check_options(o);
  if (s != PL_OK) return s;
  req_init(&r, o, "PUT", NULL, NULL);
  s = perform(&r, "create bucket");
  error_code(&r.resp, code, sizeof code);
  if (s != PL_OK && strcmp(code, "BucketAlreadyOwnedByYou") == 0) s = PL_OK;
  req_done(&r);
  return s;
}

pl_status pl_s3_count_uploads(const pl_s3_options *o, const char *prefix, size_t *count) {
  req r;
  char query[1200];
  const char *p;
  pl_status s = check_options(o);
  *count = 0;
  if (s != PL_OK) return s;
  snprintf(query, sizeof query, "prefix=");
  encode(query, sizeof query, prefix, 0);
  strncat(query, "&uploads=", sizeof query - strlen(query) - 1);
  req_init(&r, o, "GET", NULL, query);
  s = perform(&r, "list uploads");
  for (p = r.resp.data; s == PL_OK && p && (p = strstr(p, "<Upload>")) != NULL; p += 8) (*count)++;
  req_done(&r);
  return s;
}

pl_status pl_s3_get_object(const pl_s3_options *o, const char *key, char **data, size_t *n) {
  req r;
  pl_status s = check_options(o);
  *data = NULL;
  *n = 0;
  if (s != PL_OK) return s;
  req_init(&r, o, "GET", key, NULL);
  s = perform(&r, "get");
  if (s != PL_OK) {
    req_done(&r);
    return s;
  }
  if (r.resp.data == NULL) {
    r.resp.data = malloc(1);
    if (r.resp.data == NULL) return pl_error_set(PL_IO_ERROR, ENOMEM, "get %s: out of memory", key);
    r.resp.data[0] = '\0';
  }
  *data = r.resp.data;
  *n = r.resp.len;
  return PL_OK;
}

pl_status pl_s3_delete_object(const pl_s3_options *o, const char *key) {
  req r;
  pl_status s = check_options(o);
  if (s != PL_OK) return s;
  req_init(&r, o, "DELETE", key, NULL);
  s = perform(&r, "delete");
  if (s == PL_NOT_FOUND) s = PL_OK;
  req_done(&r);
  return s;
}
