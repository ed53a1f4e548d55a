/* The report as a picture: for each failure, the recorded operations as a
 * timeline with one row per file and directory, the sync barriers, the
 * crash point, and what the failing and the shrunk state lost, tore or had
 * dropped.  One self-contained HTML file (inline CSS and SVG, no script,
 * nothing fetched), readable in any browser. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crash/crash_internal.h"

/* What became of one op in a state. */
enum { OP_NONE, OP_DURABLE, OP_KEPT, OP_LOST, OP_TORN, OP_DROPPED };

static const char *const status_name[] = {"", "durable", "kept", "lost", "torn", "dropped"};

static void html_text(FILE *out, const char *s) {
  for (; s && *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '<') fputs("&lt;", out);
    else if (c == '>') fputs("&gt;", out);
    else if (c == '&') fputs("&amp;", out);
    else if (c == '"') fputs("&quot;", out);
    else if (c == '\n') fputc('\n', out);
    else if (c < 0x20 || c == 0x7f) fputc('?', out);
    else fputc(c, out);
  }
}

/* The row of each op: the file it changes, or the directory a name op or
 * directory sync changes (the first one for a rename); -1: no row
 * (notes, the baseline).  Rows are inodes of the model. */
static int row_of(const pl__model *m, size_t op, const int *name_of_op, const int *data_inode) {
  const pl_crash_op *o = &m->trace->ops[op];
  if (data_inode[op] >= 0) return data_inode[op];
  if (name_of_op[op] >= 0) {
    const pl__mname *nm = &m->names[name_of_op[op]];
    return nm->dir[0] >= 0 ? nm->dir[0] : nm->dir[1];
  }
  if (o->kind == PL_CRASH_SYNC_DIR && o->path != NULL) {
    int i;
    if (o->path[0] == '\0') return 0;
    for (i = 0; i < m->ninodes; i++)
      if (m->inodes[i].kind == 'd' && m->inodes[i].name && strcmp(m->inodes[i].name, o->path) == 0) return i;
  }
  return -1;
}

static void draw(FILE *out, const pl__model *m, const pl__choice *c, size_t point) {
  const pl_crash_trace *t = m->trace;
  int *name_of_op = malloc((t->count + 1) * sizeof *name_of_op);
  int *data_inode = malloc((t->count + 1) * sizeof *data_inode);
  int *status = calloc(t->count + 1, sizeof *status);
  int *row_y = calloc((size_t)m->ninodes + 1, sizeof *row_y);
  int nrows = 0, i, width, height;
  size_t k, op;
  const int left = 260, step_max = 28, top = 24, rowh = 22;
  double step;
  if (name_of_op == NULL || data_inode == NULL || status == NULL || row_y == NULL) {
    fputs("<p>(out of memory drawing this state)</p>\n", out);
    free(name_of_op);
    free(data_inode);
    free(status);
    free(row_y);
    return;
  }
  for (op = 0; op < t->count; op++) name_of_op[op] = data_inode[op] = -1;
  for (k = 0; k < m->nnames; k++) {
    const pl__mname *nm = &m->names[k];
    if (nm->owns_path || nm->op >= t->count || t->ops[nm->op].kind == PL_CRASH_NOTE) continue;
    name_of_op[nm->op] = (int)k;
    status[nm->op] = nm->state == PL__DURABLE ? OP_DURABLE : c[nm->pending] == 0 ? OP_LOST : c[nm->pending] == 1 ? OP_KEPT : OP_TORN;
  }
  for (i = 0; i < m->ninodes; i++) {
    const pl__minode *in = &m->inodes[i];
    for (k = 0; k < in->n; k++) {
      const pl__mdata *d = &in->ops[k];
      data_inode[d->op] = i;
      if (d->state == PL__DURABLE) status[d->op] = OP_DURABLE;
      else if (d->state == PL__DROPPED) status[d->op] = OP_DROPPED;
      else status[d->op] = c[d->pending] == 0 ? OP_LOST : c[d->pending] == 1 ? OP_KEPT : OP_TORN;
    }
  }
  /* Syncs of a file sit on its row. */
  for (op = 0; op < point && op < t->count; op++)
    if (t->ops[op].kind == PL_CRASH_SYNC && data_inode[op] < 0) {
      size_t j;
      for (j = 0; j < op; j++)
        if ((t->ops[j].kind == PL_CRASH_CREATE || t->ops[j].kind == PL_CRASH_OPEN) &&
            t->ops[j].handle == t->ops[op].handle) {
          if (data_inode[j] >= 0) data_inode[op] = data_inode[j];
          else if (name_of_op[j] >= 0) data_inode[op] = m->names[name_of_op[j]].inode;
        }
    }
  /* Rows: every directory and file that an op before the point touches. */
  for (i = 0; i < m->ninodes; i++) row_y[i] = -1;
  for (op = 0; op < point && op < t->count; op++) {
    int r = row_of(m, op, name_of_op, data_inode);
    if (r >= 0 && row_y[r] < 0) row_y[r] = top + rowh * nrows++;
    if (name_of_op[op] >= 0 && m->names[name_of_op[op]].inode >= 0) {
      int in = m->names[name_of_op[op]].inode;
      if (m->inodes[in].kind != 'd' && row_y[in] < 0) row_y[in] = top + rowh * nrows++;
    }
  }
  step = point > 0 ? (double)(900 - left) / (double)point : step_max;
  if (step > step_max) step = step_max;
  width = left + (int)(step * (double)(point + 1)) + 40;
  height = top + rowh * nrows + 34;
  fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" class=\"timeline\">\n", width,
          height);
  /* Row labels and lanes. */
  for (i = 0; i < m->ninodes; i++) {
    const pl__minode *in = &m->inodes[i];
    if (row_y[i] < 0) continue;
    fprintf(out, "<line class=\"lane\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>", left, row_y[i] + 10, width - 10,
            row_y[i] + 10);
    fprintf(out, "<text class=\"label\" x=\"%d\" y=\"%d\">", left - 8, row_y[i] + 14);
    if (i == 0) fputs("/ (root)", out);
    else {
      html_text(out, in->name ? in->name : in->label);
      if (in->kind == 'd') fputc('/', out);
      if (in->name == NULL) fputs(" (gone)", out);
    }
    fputs("</text>\n", out);
  }
  /* Ops. */
  for (op = 0; op < point && op < t->count; op++) {
    const pl_crash_op *o = &t->ops[op];
    int r = row_of(m, op, name_of_op, data_inode), x = left + (int)(step * (double)op) + 4;
    char desc[600];
    if (o->kind == PL_CRASH_NOTE) {
      fprintf(out, "<circle class=\"note\" cx=\"%d\" cy=\"%d\" r=\"3\"><title>op %lu: ", x, top - 12,
              (unsigned long)op);
      pl_crash_op_describe(o, NULL, desc, sizeof desc);
      html_text(out, desc);
      fputs("</title></circle>\n", out);
      continue;
    }
    if (r < 0 || row_y[r] < 0) continue;
    pl_crash_op_describe(o, data_inode[op] >= 0 ? m->inodes[data_inode[op]].label : NULL, desc, sizeof desc);
    if (o->kind == PL_CRASH_SYNC || o->kind == PL_CRASH_SYNC_DIR || o->kind == PL_CRASH_SYNC_ALL) {
      fprintf(out, "<rect class=\"sync%s\" x=\"%d\" y=\"%d\" width=\"3\" height=\"20\">", o->failed ? " failed" : "",
              x, row_y[r]);
    } else {
      fprintf(out, "<rect class=\"op %s\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"12\" rx=\"2\">",
              status_name[status[op]], x - 1, row_y[r] + 4, (int)step > 4 ? (int)step - 2 : 3);
    }
    fprintf(out, "<title>op %lu: ", (unsigned long)op);
    html_text(out, desc);
    if (status[op] != OP_NONE) fprintf(out, " (%s)", status_name[status[op]]);
    fputs("</title></rect>\n", out);
  }
  /* Op numbers (as --dump prints them) along the bottom. */
  {
    size_t every = step >= 20 ? 1 : step >= 8 ? 5 : step >= 3 ? 10 : 50;
    for (op = 0; op < point; op += every)
      fprintf(out, "<text class=\"tick\" x=\"%d\" y=\"%d\">%lu</text>", left + (int)(step * (double)op) + 4,
              height - 8, (unsigned long)op);
    fputc('\n', out);
  }
  /* The crash point. */
  fprintf(out, "<line class=\"crash\" x1=\"%d\" y1=\"4\" x2=\"%d\" y2=\"%d\"/>", left + (int)(step * (double)point) + 2,
          left + (int)(step * (double)point) + 2, height - 4);
  fprintf(out, "<text class=\"crashlabel\" x=\"%d\" y=\"%d\">crash</text>\n", left + (int)(step * (double)point) + 5,
          height - 6);
  fputs("</svg>\n", out);
  free(name_of_op);
  free(data_inode);
  free(status);
  free(row_y);
}

static void state_figure(FILE *out, const pl_crash_trace *t, const pl_crash_options *opt, const char *title,
                         const char *id, const char *lost, const char *message) {
  pl__model m;
  pl__choice *c;
  size_t point;
  int n, i;
  long fp;
  fputs("<figure>\n<figcaption>", out);
  html_text(out, title);
  fputs(": state <code>", out);
  html_text(out, id);
  fputs("</code> &mdash; ", out);
  html_text(out, message);
  fputs("</figcaption>\n", out);
  if (pl__state_id_parse(id, &point, &c, &n, &fp) != PL_OK) {
    fputs("<p>(bad state id)</p></figure>\n", out);
    return;
  }
  if (point <= t->count && pl__model_build(&m, t, opt, point) == PL_OK) {
    int ok = n == m.npend;
    for (i = 0; ok && i < n; i++) ok = c[i] < m.pend[i].nchoices;
    if (ok) draw(out, &m, c, point);
    else fputs("<p>(the id does not fit this trace and these options)</p>\n", out);
    pl__model_free(&m);
  }
  fputs("<pre>", out);
  html_text(out, lost);
  fputs("</pre>\n</figure>\n", out);
  free(c);
}

pl_status pl_crash_report_write_html(const pl_crash_report *r, const pl_crash_trace *t,
                                     const pl_crash_options *o, const char *title, FILE *out) {
  pl_crash_options opt;
  size_t i;
  pl__options_normalize(o, &opt);
  fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>plinth crashcheck: ", out);
  html_text(out, title);
  fputs("</title>\n<style>\n"
        "body{font:14px/1.4 sans-serif;margin:24px;color:#222}\n"
        "h1{font-size:20px} h2{font-size:16px;margin-top:28px}\n"
        "table.summary td{padding:2px 12px 2px 0} code,pre{font:12px monospace}\n"
        "pre{background:#f6f6f6;padding:8px;overflow-x:auto}\n"
        "figure{margin:12px 0 24px 0} figcaption{margin-bottom:6px}\n"
        ".lane{stroke:#ddd;stroke-width:1} .label{font:12px monospace;text-anchor:end;fill:#333}\n"
        ".op{stroke:#555;stroke-width:.5} .durable{fill:#bbb} .kept{fill:#4a9e4a} .lost{fill:#d33}\n"
        ".torn{fill:#f0a030} .dropped{fill:#8a4fbf} .sync{fill:#225} .sync.failed{fill:#d33}\n"
        ".note{fill:#36c} .crash{stroke:#d00;stroke-width:2;stroke-dasharray:4 3}\n"
        ".crashlabel{font:11px sans-serif;fill:#d00} .tick{font:10px monospace;fill:#888;text-anchor:middle}\n"
        ".legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 14px;vertical-align:middle}\n"
        "</style></head><body>\n<h1>plinth crashcheck: ",
        out);
  html_text(out, title);
  fputs("</h1>\n<table class=\"summary\">\n", out);
  fprintf(out,
          "<tr><td>recorded ops</td><td>%lu</td></tr><tr><td>crash points</td><td>%lu (%llu sampled)</td></tr>\n"
          "<tr><td>states generated</td><td>%llu</td></tr><tr><td>distinct states checked</td><td>%llu</td></tr>\n"
          "<tr><td>failing states</td><td>%llu</td></tr>\n</table>\n",
          (unsigned long)r->ops, (unsigned long)r->points, (unsigned long long)r->sampled_points,
          (unsigned long long)r->generated, (unsigned long long)r->checked, (unsigned long long)r->failures);
  fputs("<p class=\"legend\">One row per file and directory, one mark per operation up to the crash:"
        "<span class=\"durable\" style=\"background:#bbb\"></span>durable"
        "<span style=\"background:#4a9e4a\"></span>pending, kept"
        "<span style=\"background:#d33\"></span>lost"
        "<span style=\"background:#f0a030\"></span>torn or half-done"
        "<span style=\"background:#8a4fbf\"></span>dropped by a failed sync"
        "<span style=\"background:#225;width:3px\"></span>sync"
        "<span style=\"background:#36c;border-radius:6px\"></span>note. "
        "Hover a mark for the operation.</p>\n",
        out);
  if (r->nfailure == 0) fputs("<p>No state failed the check.</p>\n", out);
  for (i = 0; i < r->nfailure; i++) {
    const pl_crash_failure *f = &r->failure[i];
    char head[160];
    if (f->point == 0) snprintf(head, sizeof head, "Failure %lu: crash before the first op", (unsigned long)(i + 1));
    else
      snprintf(head, sizeof head, "Failure %lu: crash right after op %lu", (unsigned long)(i + 1),
               (unsigned long)(f->point - 1));
    fputs("<h2>", out);
    html_text(out, head);
    fputs("</h2>\n", out);
    state_figure(out, t, &opt, "failing state", f->id, f->lost, f->message);
    if (f->shrunk_id != NULL && strcmp(f->shrunk_id, f->id) != 0)
      state_figure(out, t, &opt, "shrunk to", f->shrunk_id, f->shrunk_lost, f->shrunk_message);
  }
  fputs("</body></html>\n", out);
  return ferror(out) ? pl_error_set(PL_IO_ERROR, EIO, "writing the HTML report failed") : PL_OK;
}
