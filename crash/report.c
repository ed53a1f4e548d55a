/* The report: a summary table, then each failure with its id, the ops it
 * lost or tore, and its shrunk form. */
#include "config.h"

#include <stdlib.h>

#include "plinth/crash.h"

void pl_crash_report_print(const pl_crash_report *r, FILE *out) {
  size_t i;
  double secs = (double)r->explore_micros / 1e6;
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
    fprintf(out, "\nfailure %lu: crash after %lu ops: %s\n", (unsigned long)(i + 1),
            (unsigned long)f->point, f->message);
    fprintf(out, "  state %s\n%s", f->id, f->lost);
    if (f->shrunk_id != NULL && f->shrunk_lost_count < f->lost_count) {
      fprintf(out, "  shrunk to %lu lost or torn op(s): state %s (%s)\n%s",
              (unsigned long)f->shrunk_lost_count, f->shrunk_id, f->shrunk_message, f->shrunk_lost);
    } else if (f->shrunk_id != NULL) {
      fprintf(out, "  already minimal\n");
    }
  }
  if (r->failures > r->nfailure)
    fprintf(out, "\n(%llu more failing states not shown)\n",
            (unsigned long long)(r->failures - r->nfailure));
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
