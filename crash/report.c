/* The report: a summary table, then each failure with its id, the ops it
 * lost or tore, and its shrunk form; or the same as one JSON object. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "plinth/crash.h"

/* "crash right after op 41": op numbers are those of pl_crash_trace_dump
 * (plinth crashcheck --dump), so a reader can find the op in the dump. */
static void crash_point(size_t point, char *buf, size_t cap) {
  if (point == 0) snprintf(buf, cap, "crash before the first op");
  else snprintf(buf, cap, "crash right after op %lu", (unsigned long)(point - 1));
}

void pl_crash_report_print(const pl_crash_report *r, FILE *out) {
  size_t i;
  double secs = (double)r->explore_micros / 1e6;
  char where[64];
  fprintf(out, "  %-34s %llu\n", "recorded ops", (unsigned long long)r->ops);
  fprintf(out, "  %-34s %llu\n", "crash points", (unsigned long long)r->points);
  fprintf(out, "  %-34s %llu\n", "  of which sampled", (unsigned long long)r->sampled_points);
  fprintf(out, "  %-34s %llu\n", "states generated", (unsigned long long)r->generated);
  fprintf(out, "  %-34s %llu\n", "distinct states checked", (unsigned long long)r->checked);
  fprintf(out, "  %-34s %llu\n", "failing states", (unsigned long long)r->failures);
  fprintf(out, "  %-34s %.3f s (%.0f states/s, checker excluded)\n", "generating + materializing",
          secs, secs > 0 ? (double)r->checked / secs : 0.0);
  fprintf(out, "  %-34s %.3f s\n", "checking", (double)r->check_micros / 1e6);
  for (i = 0; i < r->nfailure; i++) {
    const pl_crash_failure *f = &r->failure[i];
    crash_point(f->point, where, sizeof where);
    fprintf(out, "\nfailure %lu: %s: %s\n", (unsigned long)(i + 1), where, f->message);
    fprintf(out, "  state %s\n%s", f->id, f->lost);
    if (f->shrunk_id != NULL && f->shrunk_lost_count < f->lost_count) {
      fprintf(out, "  shrunk to %lu lost, torn or dropped op(s): state %s (%s)\n%s",
              (unsigned long)f->shrunk_lost_count, f->shrunk_id, f->shrunk_message, f->shrunk_lost);
    } else if (f->shrunk_id != NULL) {
      fprintf(out, "  already minimal\n");
    }
  }
  if (r->failures > r->nfailure)
    fprintf(out, "\n(%llu more failing states not shown)\n",
            (unsigned long long)(r->failures - r->nfailure));
}

/* A JSON string: quotes, backslashes and control bytes escaped; other
 * bytes as they are (traces hold UTF-8 paths). */
static void json_string(FILE *out, const char *s) {
  fputc('"', out);
  for (; s && *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') fprintf(out, "\\%c", c);
    else if (c == '\n') fputs("\\n", out);
    else if (c < 0x20 || c == 0x7f) fprintf(out, "\\u%04x", c);
    else fputc(c, out);
  }
  fputc('"', out);
}

/* The lines of a lost-ops description as a JSON array of strings. */
static void json_lines(FILE *out, const char *text) {
  const char *p = text ? text : "";
  int first = 1;
  fputc('[', out);
  while (*p) {
    const char *nl = strchr(p, '\n');
    size_t n = nl ? (size_t)(nl - p) : strlen(p);
    char *line;
    while (n > 0 && *p == ' ') {
      p++;
      n--;
    }
    line = malloc(n + 1);
    if (line != NULL) {
      memcpy(line, p, n);
      line[n] = '\0';
      fputs(first ? "" : ", ", out);
      json_string(out, line);
      first = 0;
      free(line);
    }
    p += n;
    if (*p == '\n') p++;
  }
  fputc(']', out);
}

void pl_crash_report_print_json(const pl_crash_report *r, FILE *out) {
  size_t i;
  fprintf(out,
          "{\"format\": \"plinth-crash-report\", \"version\": 1, \"ops\": %llu, \"points\": %llu, "
          "\"sampled_points\": %llu, \"generated\": %llu, \"checked\": %llu, \"failures\": %llu, "
          "\"explore_seconds\": %.6f, \"check_seconds\": %.6f, \"failure\": [",
          (unsigned long long)r->ops, (unsigned long long)r->points, (unsigned long long)r->sampled_points,
          (unsigned long long)r->generated, (unsigned long long)r->checked, (unsigned long long)r->failures,
          (double)r->explore_micros / 1e6, (double)r->check_micros / 1e6);
  for (i = 0; i < r->nfailure; i++) {
    const pl_crash_failure *f = &r->failure[i];
    fprintf(out, "%s\n  {\"point\": %lu, \"after_op\": ", i ? "," : "", (unsigned long)f->point);
    if (f->point == 0) fputs("null", out);
    else fprintf(out, "%lu", (unsigned long)(f->point - 1));
    fputs(", \"id\": ", out);
    json_string(out, f->id);
    fputs(", \"message\": ", out);
    json_string(out, f->message);
    fputs(", \"lost\": ", out);
    json_lines(out, f->lost);
    fputs(", \"shrunk\": {\"id\": ", out);
    json_string(out, f->shrunk_id);
    fputs(", \"message\": ", out);
    json_string(out, f->shrunk_message);
    fputs(", \"lost\": ", out);
    json_lines(out, f->shrunk_lost);
    fputs("}}", out);
  }
  fprintf(out, "%s]}\n", r->nfailure ? "\n" : "");
}

void pl_crash_report_free(pl_crash_report *r) {
  size_t i;
  for (i = 0; i < r->nfailure; i++) {
    pl_crash_failure *f = &r->failure[i];
    free(f->id);
    free(f->lost);
    free(f->message);
    free(f->shrunk_id);
    free(f->shrunk_lost);
    free(f->shrunk_message);
  }
  free(r->failure);
  r->failure = NULL;
  r->nfailure = 0;
}
