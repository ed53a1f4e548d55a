/* The built-in example workloads and their recovery checks: two correct
 * ones the harness must pass and three classic mistakes it must catch. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plinth/crash.h"
#include "plinth/file_util.h"
#include "util/bytes.h"
#include "util/crc32c.h"

/* ---- helpers ---- */

static void join(char *buf, size_t cap, const char *dir, const char *name) {
  size_t a = strlen(dir), b = strlen(name);
  if (a + b + 2 > cap) {
    buf[0] = '\0'; /* an empty path fails loudly at the first use */
    return;
  }
  memcpy(buf, dir, a);
  buf[a] = '/';
  memcpy(buf + a + 1, name, b + 1);
}

static int noted(const char *const *notes, size_t n, const char *what) {
  size_t i;
  for (i = 0; i < n; i++)
    if (strcmp(notes[i], what) == 0) return 1;
  return 0;
}

static size_t count_prefix(const char *const *notes, size_t n, const char *prefix) {
  size_t i, k = 0;
  for (i = 0; i < n; i++)
    if (strncmp(notes[i], prefix, strlen(prefix)) == 0) k++;
  return k;
}

/* Reads dir/name; 0 if missing. */
static int read_file(const char *dir, const char *name, char **data, size_t *n) {
  char path[4096];
  join(path, sizeof path, dir, name);
  return pl_file_read_all(pl_env_platform(), path, data, n) == PL_OK;
}

/* ---- replace: a small config file replaced by a new version ---- */

#define CONFIG_SIZE 1500

/* Version v of the config: recognisable in every sector. */
static void config_version(char *buf, int v) {
  int i;
  for (i = 0; i < CONFIG_SIZE; i++) buf[i] = (char)('a' + (i * 7 + v * 13) % 26);
  memcpy(buf, v ? "version 1\n" : "version 0\n", 10);
}

/* Replaces the config at path with version v the safe way
 * (pl_file_replace) and notes "v<v>" once that returned. */
static pl_status replace_version(pl_env *env, const char *path, int v, pl_crash_recorder *rec) {
  char buf[CONFIG_SIZE];
  pl_status s;
  config_version(buf, v);
  s = pl_file_replace(env, path, buf, sizeof buf);
  if (s != PL_OK) return s;
  pl_crash_note(rec, "v%d", v);
  return PL_OK;
}

static pl_status replace_ok(pl_env *env, const char *dir, pl_crash_recorder *rec) {
  char path[4096];
  pl_status s;
  join(path, sizeof path, dir, "config");
  s = replace_version(env, path, 0, rec);
  if (s != PL_OK) return s;
  return replace_version(env, path, 1, rec);
}

/* The mistake: the new version is renamed into place before it is
 * synced, so the rename can reach the disk before the data. */
static pl_status replace_no_sync(pl_env *env, const char *dir, pl_crash_recorder *rec) {
  char path[4096], tmp[4096], buf[CONFIG_SIZE];
  pl_status s;
  join(path, sizeof path, dir, "config");
  join(tmp, sizeof tmp, dir, "config.tmp");
  s = replace_version(env, path, 0, rec);
  if (s != PL_OK) return s;
  config_version(buf, 1);
  s = pl_file_write_all(env, tmp, buf, sizeof buf, 0);
  if (s == PL_OK) s = pl_env_rename(env, tmp, path);
  if (s == PL_OK) s = pl_env_sync_dir(env, dir);
  if (s != PL_OK) return s;
  pl_crash_note(rec, "v1");
  return PL_OK;
}

static int replace_check(void *arg, const char *dir, const char *const *notes, size_t nnotes,
                         char *msg, size_t cap) {
  char *data, want[CONFIG_SIZE];
  size_t n;
  int v;
  (void)arg;
  if (!read_file(dir, "config", &data, &n)) {
    if (!noted(notes, nnotes, "v0")) return 0;
    snprintf(msg, cap, "config is missing after version 0 was acknowledged");
    return 1;
  }
  for (v = 0; v < 2; v++) {
    config_version(want, v);
    if (n == sizeof want && memcmp(data, want, n) == 0) {
      free(data);
      if (v == 0 && noted(notes, nnotes, "v1")) {
        snprintf(msg, cap, "config holds version 0 after version 1 was acknowledged");
        return 1;
      }
      return 0;
    }
  }
  free(data);
  snprintf(msg, cap, "config holds neither version (%lu bytes)", (unsigned long)n);
  return 1;
}

/* ---- create-no-dirsync: a new file synced, its directory never ---- */

static pl_status create_no_dirsync(pl_env *env, const char *dir, pl_crash_recorder *rec) {
  char path[4096], buf[2000];
  pl_status s;
  memset(buf, 'd', sizeof buf);
  join(path, sizeof path, dir, "data");
  s = pl_file_write_all(env, path, buf, sizeof buf, 1);
  if (s != PL_OK) return s;
  pl_crash_note(rec, "acked");
  return PL_OK;
}

static int create_check(void *arg, const char *dir, const char *const *notes, size_t nnotes,
                        char *msg, size_t cap) {
  char *data;
  size_t n, i;
  int bad = 0;
  (void)arg;
  if (!noted(notes, nnotes, "acked")) return 0;
  if (!read_file(dir, "data", &data, &n)) {
    snprintf(msg, cap, "data is missing although it was acknowledged");
    return 1;
  }
  if (n != 2000) bad = 1;
  for (i = 0; i < n && !bad; i++) bad = data[i] != 'd';
  free(data);
  if (bad) snprintf(msg, cap, "data is damaged although it was acknowledged");
  return bad;
}

/* ---- log: framed records appended and synced, then acknowledged ---- */

#define LOG_RECORDS 6

static size_t record_size(int i) { return 300 + (size_t)i * 170; }

static void record_payload(unsigned char *p, int i) {
  size_t k, n = record_size(i);
  for (k = 0; k < n; k++) p[k] = (unsigned char)(1 + (k * 31 + (size_t)i * 57) % 251);
}

static pl_status log_run(pl_env *env, const char *dir, pl_crash_recorder *rec, int checksums) {
  char path[4096];
  unsigned char rec_buf[8 + 300 + LOG_RECORDS * 170];
  pl_writable_file *f;
  pl_status s;
  int i;
  join(path, sizeof path, dir, "log");
  s = pl_env_new_writable(env, path, NULL, &f);
  if (s != PL_OK) return s;
  /* The new log's entry must be durable before anything in it counts. */
  s = pl_env_sync_dir(env, dir);
  for (i = 0; i < LOG_RECORDS && s == PL_OK; i++) {
    size_t n = record_size(i), hdr = checksums ? 8 : 4;
    pl__put32(rec_buf, (uint32_t)n);
    record_payload(rec_buf + hdr, i);
    if (checksums) pl__put32(rec_buf + 4, pl__crc32c(rec_buf + hdr, n));
    s = pl_writable_append(f, rec_buf, hdr + n);
    if (s == PL_OK) s = pl_writable_sync(f);
    if (s == PL_OK) pl_crash_note(rec, "ack %d", i);
  }
  if (s == PL_OK) return pl_writable_close(f);
  pl_writable_close(f);
  return s;
}

static pl_status log_ok(pl_env *env, const char *dir, pl_crash_recorder *rec) {
  return log_run(env, dir, rec, 1);
}

static pl_status log_no_checksum(pl_env *env, const char *dir, pl_crash_recorder *rec) {
  return log_run(env, dir, rec, 0);
}

/* Recovery reads records until one does not parse; every acknowledged
 * record must come back, and every record that comes back must be one
 * that was written. */
static int log_check(const char *dir, const char *const *notes, size_t nnotes, char *msg,
                     size_t cap, int checksums) {
  char *data;
  size_t n, at = 0, acked = count_prefix(notes, nnotes, "ack ");
  size_t hdr = checksums ? 8 : 4;
  int i = 0, bad = 0;
  unsigned char want[300 + LOG_RECORDS * 170];
  if (!read_file(dir, "log", &data, &n)) {
    if (acked == 0) return 0;
    snprintf(msg, cap, "log is missing after %lu acknowledged records", (unsigned long)acked);
    return 1;
  }
  while (!bad && n - at >= hdr) {
    const unsigned char *p = (const unsigned char *)data + at;
    uint32_t len = pl__get32(p);
    if (len == 0 || len > n - at - hdr) break;
    if (checksums && pl__crc32c(p + hdr, len) != pl__get32(p + 4)) break;
    /* A record recovery accepted: it must be the one written there. */
    if (i >= LOG_RECORDS || len != record_size(i)) {
      bad = 1;
      snprintf(msg, cap, "record %d recovered with a wrong length %lu", i, (unsigned long)len);
      break;
    }
    record_payload(want, i);
    if (memcmp(p + hdr, want, len) != 0) {
      bad = 1;
      snprintf(msg, cap, "record %d recovered with damaged contents", i);
      break;
    }
    at += hdr + len;
    i++;
  }
  free(data);
  if (!bad && (size_t)i < acked) {
    bad = 1;
    snprintf(msg, cap, "only %d of %lu acknowledged records recovered", i, (unsigned long)acked);
  }
  return bad;
}

static int log_ok_check(void *arg, const char *dir, const char *const *notes, size_t nnotes,
                        char *msg, size_t cap) {
  (void)arg;
  return log_check(dir, notes, nnotes, msg, cap, 1);
}

static int log_no_checksum_check(void *arg, const char *dir, const char *const *notes,
                                 size_t nnotes, char *msg, size_t cap) {
  (void)arg;
  return log_check(dir, notes, nnotes, msg, cap, 0);
}

const pl_crash_example pl_crash_examples[] = {
    {"replace-ok", "write temp, sync, rename over, sync dir (pl_file_replace): must pass", 0,
     replace_ok, replace_check},
    {"replace-no-sync", "rename the temp file over before syncing it: must be caught", 1,
     replace_no_sync, replace_check},
    {"create-no-dirsync", "new file synced and acknowledged, directory never synced: must be caught",
     1, create_no_dirsync, create_check},
    {"log-ok", "length+crc32c framed appends, sync, acknowledge: must pass", 0, log_ok,
     log_ok_check},
    {"log-no-checksum", "length-framed appends, recovery trusts lengths: must be caught", 1,
     log_no_checksum, log_no_checksum_check},
    {NULL, NULL, 0, NULL, NULL}};

const pl_crash_example *pl_crash_example_find(const char *name) {
  const pl_crash_example *e;
  for (e = pl_crash_examples; e->name != NULL; e++)
    if (strcmp(e->name, name) == 0) return e;
  return NULL;
}

pl_status pl_crash_example_record(const pl_crash_example *e, pl_env *platform,
                                  const char *scratch_dir, pl_crash_trace *t) {
  char dir[4096];
  pl_crash_recorder *rec;
  pl_status s;
  static unsigned counter;
  pl_crash_trace_init(t);
  snprintf(dir, sizeof dir, "%s/%s-%llu-%u", scratch_dir, e->name,
           (unsigned long long)pl_env_now_micros(platform), ++counter);
  s = pl_env_create_dir(platform, dir);
  if (s != PL_OK) return s;
  s = pl_crash_recorder_new(platform, dir, NULL, &rec);
  if (s == PL_OK) {
    s = e->run(pl_crash_recorder_env(rec), dir, rec);
    pl_crash_recorder_take(rec, t);
    pl_crash_recorder_free(rec);
  }
  /* The workload's own files are not needed any more: the trace holds
   * everything. */
  pl_file_remove_tree(platform, dir);
  if (s != PL_OK) pl_crash_trace_free(t);
  return s;
}
