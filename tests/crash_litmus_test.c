/* The crash model's litmus suite: one case per rule of CRASH-MODEL.md (the
 * table in crash/README.md names each), each a minimal trace and the exact
 * set of directory trees a power loss may leave at its crash point, under
 * the strict model and, where it differs, under ext4-ordered.  A change to
 * the model that adds or removes a state changes one of these sets.
 *
 * A state is written as its entries in path order, space-separated:
 * "d/" a directory, "f=a3_2" a file (runs: a letter and a count, '_' for
 * zero bytes, '?' for garbage), "l@t" a symbolic link to t; "-" is the
 * empty tree.  The set is the states in sorted order joined by " | ". */
#include "config.h"

#include <stdlib.h>

#include "crash/generator.h"
#include "tests/test_util.h"

typedef struct litmus {
  const char *name;
  const char *script; /* ops separated by ';' (see run_script) */
  const char *strict; /* the states under the strict model */
  const char *ext4;   /* under ext4-ordered; NULL: the same as strict */
  size_t sector;      /* 0: 512 */
  int max_tears;      /* -1: the default */
  int garbage, non_atomic;
  long point;         /* -1: the end of the trace */
} litmus;

#define D -1 /* default max_tears */

static const litmus cases[] = {
    /* ---- file contents ---- */
    {"synced_data_and_entry_are_durable", "create 1 f; write 1 0 a 3; sync 1; syncdir /", "f=a3", NULL, 0, D, 0, 0, -1},
    {"unsynced_write_is_lost_kept_or_a_zero_tail", "create 1 f; syncdir /; write 1 0 a 3",
     "f= | f=_3 | f=a3", "f= | f=a3", 0, D, 0, 0, -1},
    {"garbage_option_fills_the_grown_tail_with_garbage", "create 1 f; syncdir /; write 1 0 a 3",
     "f= | f=?3 | f=a3", "f= | f=a3", 0, D, 1, 0, -1},
    {"overwrite_that_does_not_grow_has_no_zero_tail",
     "create 1 f; write 1 0 a 3; sync 1; syncdir /; write 1 0 b 3", "f=a3 | f=b3", NULL, 0, D, 0, 0, -1},
    {"two_sector_write_tears_into_either_sector", "create 1 f; syncdir /; write 1 0 a 1024",
     "f= | f=_1024 | f=_512a512 | f=a1024 | f=a512_512", "f= | f=a1024", 0, D, 0, 0, -1},
    {"three_sector_write_keeps_any_subset_of_its_sectors_holes_included",
     "create 1 f; syncdir /; write 1 0 a 1536",
     "f= | f=_1024a512 | f=_1536 | f=_512a1024 | f=_512a512_512 | f=a1024_512 | f=a1536 | f=a512_1024 | "
     "f=a512_512a512",
     "f= | f=a1536", 0, D, 0, 0, -1},
    {"overwrite_in_place_tears_without_zeros",
     "create 1 f; write 1 0 a 1024; sync 1; syncdir /; write 1 0 b 1024",
     "f=a1024 | f=a512b512 | f=b1024 | f=b512a512", NULL, 0, D, 0, 0, -1},
    {"max_tears_bounds_the_variants_prefixes_and_suffixes_first",
     "create 1 f; syncdir /; write 1 0 a 1536", "f= | f=_1536 | f=_512a1024 | f=a1024_512 | f=a1536",
     "f= | f=a1536", 0, 2, 0, 0, -1},
    {"max_tears_zero_never_tears", "create 1 f; syncdir /; write 1 0 a 1024", "f= | f=_1024 | f=a1024",
     "f= | f=a1024", 0, 0, 0, 0, -1},
    {"sector_size_sets_the_tear_granularity", "create 1 f; syncdir /; write 1 0 a 512",
     "f= | f=_256a256 | f=_512 | f=a256_256 | f=a512", "f= | f=a512", 256, D, 0, 0, -1},
    {"write_within_one_sector_is_not_torn", "create 1 f; syncdir /; write 1 100 a 300",
     "f= | f=_100a300 | f=_400", "f= | f=_100a300", 0, D, 0, 0, -1},
    {"growing_write_over_the_end_may_keep_only_its_overwritten_part",
     "create 1 f; write 1 0 a 100; sync 1; syncdir /; write 1 50 b 200",
     "f=a100 | f=a100_150 | f=a50b200 | f=a50b50", "f=a100 | f=a50b200", 0, D, 0, 0, -1},
    {"failed_sync_drops_the_unsynced_writes_for_good",
     "create 1 f; syncdir /; write 1 0 a 3; syncfail 1; sync 1", "f=", NULL, 0, D, 0, 0, -1},
    {"write_after_a_failed_sync_is_pending_again",
     "create 1 f; syncdir /; write 1 0 a 3; syncfail 1; write 1 3 b 3", "f= | f=_3b3 | f=_6", "f= | f=_3b3",
     0, D, 0, 0, -1},
    {"extend_may_be_lost", "create 1 f; syncdir /; extend 1 1000", "f= | f=_1000", NULL, 0, D, 0, 0, -1},
    {"create_over_an_existing_file_truncates_it_pending_its_sync",
     "create 1 f; write 1 0 a 3; sync 1; syncdir /; create 2 f", "f= | f=a3", NULL, 0, D, 0, 0, -1},
    {"truncate_is_pending_until_synced", "create 1 f; write 1 0 a 6; sync 1; syncdir /; truncate 1 2",
     "f=a2 | f=a6", NULL, 0, D, 0, 0, -1},
    {"zero_range_keeping_the_size_is_pending", "create 1 f; write 1 0 a 6; sync 1; syncdir /; zerokeep 1 2 2",
     "f=a2_2a2 | f=a6", NULL, 0, D, 0, 0, -1},
    {"write_durable_on_return_is_never_lost", "create 1 f; syncdir /; dwrite 1 0 a 3", "f=a3", NULL, 0, D, 0, 0,
     -1},
    {"sync_file_range_makes_nothing_durable", "create 1 f; syncdir /; write 1 0 a 3; syncrange 1 0 3",
     "f= | f=_3 | f=a3", "f= | f=a3", 0, D, 0, 0, -1},
    {"syncall_makes_everything_before_it_durable", "mkdir d; create 1 d/f; write 1 0 a 3; syncall",
     "d/ d/f=a3", NULL, 0, D, 0, 0, -1},
    {"writes_reach_the_disk_in_any_order",
     "create 1 f; syncdir /; write 1 0 a 3; write 1 3 b 3",
     "f= | f=_3 | f=_3b3 | f=_6 | f=a3 | f=a3_3 | f=a3b3", "f= | f=_3b3 | f=a3 | f=a3b3", 0, D, 0, 0, -1},
    {"crash_point_before_later_ops", "create 1 f; syncdir /; write 1 0 a 3; sync 1; write 1 3 b 3",
     "f=a3", NULL, 0, D, 0, 0, 4},

    /* ---- directory entries ---- */
    {"create_is_pending_until_its_directory_is_synced", "create 1 f", "- | f=", NULL, 0, D, 0, 0, -1},
    {"file_sync_does_not_make_its_entry_durable", "create 1 f; write 1 0 a 3; sync 1", "- | f=a3", "f=a3", 0, D,
     0, 0, -1},
    {"entry_needs_its_directory", "mkdir d; create 1 d/f", "- | d/ | d/ d/f=", "- | d/ | d/ d/f=", 0, D, 0, 0,
     -1},
    {"durability_does_not_travel_upwards_to_the_directory_entry", "mkdir d; create 1 d/f; syncdir d",
     "- | d/ d/f=", "d/ d/f=", 0, D, 0, 0, -1},
    {"synced_file_and_directory_are_lost_with_an_unsynced_parent",
     "mkdir db; create 1 db/f; write 1 0 a 3; sync 1; syncdir db", "- | db/ db/f=a3", "db/ db/f=a3", 0, D, 0,
     0, -1},
    {"deeper_chain_needs_every_level_synced", "mkdir a; mkdir a/b; create 1 a/b/f; syncdir a/b; syncdir a",
     "- | a/ a/b/ a/b/f=", "a/ a/b/ a/b/f=", 0, D, 0, 0, -1},
    {"root_sync_covers_entries_in_the_root_only", "mkdir d; create 1 d/f; syncdir /", "d/ | d/ d/f=",
     "d/ d/f=", 0, D, 0, 0, -1},
    {"failed_directory_sync_makes_nothing_durable", "create 1 f; syncdirfail /", "- | f=", NULL, 0, D, 0, 0,
     -1},
    {"unlink_is_pending_until_synced", "create 1 f; write 1 0 a 3; sync 1; syncdir /; unlink f", "- | f=a3",
     NULL, 0, D, 0, 0, -1},
    {"mkdir_is_pending_until_synced", "mkdir d", "- | d/", NULL, 0, D, 0, 0, -1},
    {"rmdir_needs_the_removals_of_its_children",
     "mkdir d; create 1 d/f; syncdir d; syncdir /; unlink d/f; rmdir d", "- | d/ | d/ d/f=", NULL, 0, D, 0, 0,
     -1},
    {"durable_rmdir_takes_pending_child_removals_with_it",
     "mkdir d; create 1 d/f; syncdir d; syncdir /; unlink d/f; rmdir d; syncdir /", "-", NULL, 0, D, 0, 0, -1},
    {"unlink_then_create_of_one_name_keeps_their_order",
     "create 1 f; write 1 0 a 3; sync 1; syncdir /; unlink f; create 2 f; write 2 0 b 3",
     "- | f= | f=_3 | f=a3 | f=b3", "- | f= | f=a3 | f=b3", 0, D, 0, 0, -1},
    {"hard_link_is_pending_until_its_directory_is_synced",
     "create 1 f; write 1 0 a 3; sync 1; syncdir /; link f g", "f=a3 | f=a3 g=a3", NULL, 0, D, 0, 0, -1},
    {"hard_link_waits_for_the_new_names_directory",
     "mkdir d; create 1 f; write 1 0 a 3; sync 1; syncdir /; link f d/g; syncdir /", "d/ d/g=a3 f=a3 | d/ f=a3",
     "d/ d/g=a3 f=a3", 0, D, 0, 0, -1},
    {"symbolic_link_is_pending_until_synced", "symlink l target", "- | l@target", NULL, 0, D, 0, 0, -1},

    /* ---- renames ---- */
    {"rename_over_a_file_is_atomic",
     "create 1 a; write 1 0 x 3; sync 1; create 2 b; write 2 0 y 3; sync 2; syncdir /; rename a b",
     "a=x3 b=y3 | b=x3", NULL, 0, D, 0, 0, -1},
    {"non_atomic_rename_may_lose_the_target_or_keep_both_names",
     "create 1 a; write 1 0 x 3; sync 1; create 2 b; write 2 0 y 3; sync 2; syncdir /; rename a b",
     "a=x3 | a=x3 b=x3 | a=x3 b=y3 | b=x3", "a=x3 | a=x3 b=x3 | a=x3 b=y3 | b=x3", 0, D, 0, 1, -1},
    {"rename_is_durable_once_its_directory_is_synced",
     "create 1 a; write 1 0 x 3; sync 1; syncdir /; rename a b; syncdir /", "b=x3", NULL, 0, D, 0, 0, -1},
    {"cross_directory_rename_needs_both_directories_synced",
     "mkdir d1; mkdir d2; create 1 d1/f; write 1 0 x 3; sync 1; syncdir d1; syncdir /; rename d1/f d2/f; "
     "syncdir d2",
     "d1/ d1/f=x3 d2/ | d1/ d2/ d2/f=x3", "d1/ d2/ d2/f=x3", 0, D, 0, 0, -1},
    {"cross_directory_rename_is_durable_once_both_are_synced",
     "mkdir d1; mkdir d2; create 1 d1/f; write 1 0 x 3; sync 1; syncdir d1; syncdir /; rename d1/f d2/f; "
     "syncdir d2; syncdir d1",
     "d1/ d2/ d2/f=x3", NULL, 0, D, 0, 0, -1},
    {"renamed_directory_keeps_its_contents_pending",
     "mkdir stage; syncdir /; create 1 stage/a; write 1 0 x 3; sync 1; rename stage snap; syncdir /",
     "snap/ | snap/ snap/a=x3", "snap/ snap/a=x3", 0, D, 0, 0, -1},
    {"sync_of_a_renamed_directory_covers_entries_made_under_its_old_name",
     "mkdir stage; syncdir /; create 1 stage/a; rename stage snap; syncdir /; syncdir snap", "snap/ snap/a=",
     NULL, 0, D, 0, 0, -1},
    {"durable_entry_under_a_lost_directory_is_unreachable",
     "mkdir a; syncdir /; mkdir a/d; create 1 f; write 1 0 x 3; sync 1; syncdir /; rename f a/d/f; syncdir /; "
     "syncdir a/d",
     "a/ | a/ a/d/ a/d/f=x3", "a/ a/d/ a/d/f=x3", 0, D, 0, 0, -1},
    {"file_written_after_its_rename_lands_under_either_name",
     "create 1 a; syncdir /; rename a b; write 1 0 x 3",
     "a= | a=_3 | a=x3 | b= | b=_3 | b=x3", "a= | a=x3 | b= | b=x3", 0, D, 0, 0, -1},
    {"rename_over_a_file_does_not_carry_unsynced_data_strictly",
     "create 1 f; write 1 0 a 3; sync 1; syncdir /; create 2 tmp; write 2 0 x 3; rename tmp f; syncdir /",
     "f= | f=_3 | f=x3", "f=x3", 0, D, 0, 0, -1},
    {"exchange_swaps_or_not_at_all",
     "create 1 a; write 1 0 x 3; sync 1; create 2 b; write 2 0 y 3; sync 2; syncdir /; exchange a b",
     "a=x3 b=y3 | a=y3 b=x3", NULL, 0, D, 0, 0, -1},

    /* ---- order ---- */
    {"unsynced_creates_reach_the_disk_in_any_order", "create 1 a; create 2 b", "- | a= | a= b= | b=",
     "- | a= | a= b=", 0, D, 0, 0, -1},
    {"baseline_ops_are_durable", "create 1 f; write 1 0 a 3; baseline; note started", "f=a3", NULL, 0, D, 0, 0,
     -1},
};

/* ---- building traces from scripts ---- */

static void add(pl_crash_trace *t, pl_crash_op *op) { ck_assert_pl_ok(pl_crash_trace_add(t, op)); }

static const char *root_path(const char *p) { return strcmp(p, "/") == 0 ? "" : p; }

/* Ops separated by ';': create H PATH, write H OFF CHAR LEN, dwrite (the
 * same, durable on return), extend H SIZE, truncate H SIZE, zerokeep H OFF
 * LEN, sync H, syncfail H, syncrange H OFF LEN, syncdir PATH, syncdirfail PATH, rename A B,
 * exchange A B, link A B, symlink PATH TARGET, unlink PATH, mkdir PATH,
 * rmdir PATH, syncall, baseline, note TEXT ("/" is the root). */
static void run_script(pl_crash_trace *t, const char *script) {
  char buf[2048], *op, *next;
  snprintf(buf, sizeof buf, "%s", script);
  for (op = buf; op != NULL; op = next) {
    char verb[32] = "", a[256] = "", b[256] = "", c[256] = "", e[64] = "";
    pl_crash_op o;
    int n;
    unsigned char *data = NULL;
    next = strchr(op, ';');
    if (next != NULL) *next++ = '\0';
    n = sscanf(op, "%31s %255s %255s %255s %63s", verb, a, b, c, e);
    ck_assert_int_ge(n, 1);
    memset(&o, 0, sizeof o);
    if (strcmp(verb, "create") == 0 || strcmp(verb, "open") == 0) {
      o.kind = verb[0] == 'c' ? PL_CRASH_CREATE : PL_CRASH_OPEN;
      o.handle = (uint32_t)atoi(a);
      o.path = b;
    } else if (strcmp(verb, "write") == 0 || strcmp(verb, "dwrite") == 0) {
      o.kind = PL_CRASH_WRITE;
      o.handle = (uint32_t)atoi(a);
      o.offset = (uint64_t)atoll(b);
      o.len = (uint64_t)atoll(e);
      data = malloc((size_t)o.len + 1);
      memset(data, c[0], (size_t)o.len);
      o.data = data;
      if (verb[0] == 'd') o.flags = PL_CRASH_FLAG_DURABLE;
    } else if (strcmp(verb, "extend") == 0 || strcmp(verb, "truncate") == 0) {
      o.kind = verb[0] == 'e' ? PL_CRASH_EXTEND : PL_CRASH_TRUNCATE;
      o.handle = (uint32_t)atoi(a);
      o.offset = (uint64_t)atoll(b);
    } else if (strcmp(verb, "zerokeep") == 0) {
      o.kind = PL_CRASH_ZERO;
      o.handle = (uint32_t)atoi(a);
      o.offset = (uint64_t)atoll(b);
      o.len = (uint64_t)atoll(c);
      o.flags = PL_CRASH_FLAG_KEEP_SIZE;
    } else if (strcmp(verb, "syncrange") == 0) {
      o.kind = PL_CRASH_SYNC_RANGE;
      o.handle = (uint32_t)atoi(a);
      o.offset = (uint64_t)atoll(b);
      o.len = (uint64_t)atoll(c);
    } else if (strcmp(verb, "sync") == 0 || strcmp(verb, "syncfail") == 0) {
      o.kind = PL_CRASH_SYNC;
      o.handle = (uint32_t)atoi(a);
      o.failed = verb[4] == 'f';
    } else if (strcmp(verb, "syncdir") == 0 || strcmp(verb, "syncdirfail") == 0) {
      o.kind = PL_CRASH_SYNC_DIR;
      o.path = (char *)root_path(a);
      o.failed = verb[7] == 'f';
    } else if (strcmp(verb, "rename") == 0 || strcmp(verb, "exchange") == 0 || strcmp(verb, "link") == 0) {
      o.kind = verb[0] == 'r' ? PL_CRASH_RENAME : verb[0] == 'e' ? PL_CRASH_EXCHANGE : PL_CRASH_LINK;
      o.path = a;
      o.path2 = b;
    } else if (strcmp(verb, "symlink") == 0) {
      o.kind = PL_CRASH_SYMLINK;
      o.path = a;
      o.data = (unsigned char *)b;
      o.len = strlen(b);
    } else if (strcmp(verb, "unlink") == 0 || strcmp(verb, "mkdir") == 0 || strcmp(verb, "rmdir") == 0) {
      o.kind = verb[0] == 'u' ? PL_CRASH_UNLINK : verb[0] == 'm' ? PL_CRASH_MKDIR : PL_CRASH_RMDIR;
      o.path = a;
    } else if (strcmp(verb, "syncall") == 0 || strcmp(verb, "baseline") == 0) {
      o.kind = verb[4] == 'a' ? PL_CRASH_SYNC_ALL : PL_CRASH_BASELINE;
    } else if (strcmp(verb, "note") == 0) {
      o.kind = PL_CRASH_NOTE;
      o.data = (unsigned char *)a;
      o.len = strlen(a);
    } else {
      ck_abort_msg("unknown litmus op '%s'", verb);
    }
    add(t, &o);
    free(data);
  }
}

/* ---- rendering states ---- */

static void render_content(pl__buf *out, const pl__buf *c) {
  size_t i = 0;
  while (i < c->len) {
    unsigned char b = c->p[i];
    size_t run = 1;
    char ch = b == 0 ? '_' : (b >= 'a' && b <= 'z') ? (char)b : '?';
    while (i + run < c->len) {
      unsigned char nb = c->p[i + run];
      char nch = nb == 0 ? '_' : (nb >= 'a' && nb <= 'z') ? (char)nb : '?';
      if (nch != ch) break;
      run++;
    }
    pl__buf_addf(out, "%c%lu", ch, (unsigned long)run);
    i += run;
  }
}

static void render_state(const pl__model *m, const pl__state *s, pl__buf *out) {
  size_t i, k;
  if (s->n == 0) pl__buf_add_str(out, "-");
  for (i = 0; i < s->n; i++) {
    const pl__sentry *e = &s->e[i];
    if (i) pl__buf_add(out, " ", 1);
    pl__buf_add_str(out, e->path);
    if (e->kind == 'd') {
      pl__buf_add(out, "/", 1);
    } else if (e->kind == 'l') {
      for (k = 0; k < m->nnames; k++)
        if (m->names[k].kind == PL_CRASH_SYMLINK && m->names[k].inode == e->inode) {
          const pl_crash_op *o = &m->trace->ops[m->names[k].op];
          pl__buf_addf(out, "@%.*s", (int)o->len, (const char *)o->data);
        }
    } else {
      pl__buf_add(out, "=", 1);
      render_content(out, &s->content[e->inode]);
    }
  }
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Every state the model allows at the case's point, rendered and joined. */
static char *states_of(const litmus *lc, int model) {
  pl_crash_trace t;
  pl_crash_options o, opt;
  pl__model m;
  pl__gen g;
  pl__state s;
  pl__choice *c;
  char **all = NULL;
  size_t n = 0, i, point;
  pl__buf joined = {0};
  pl_crash_trace_init(&t);
  run_script(&t, lc->script);
  pl_crash_options_init(&o);
  o.model = model;
  if (lc->sector) o.sector_size = lc->sector;
  if (lc->max_tears >= 0) o.max_tears = lc->max_tears;
  o.garbage_tails = lc->garbage;
  o.rename_atomic = !lc->non_atomic;
  pl__options_normalize(&o, &opt);
  point = lc->point < 0 ? t.count : (size_t)lc->point;
  ck_assert_pl_ok(pl__model_build(&m, &t, &opt, point));
  memset(&s, 0, sizeof s);
  c = calloc((size_t)m.npend + 1, sizeof *c);
  pl__gen_init(&g, &m, UINT64_MAX, 0, 0, point);
  ck_assert(g.exhaustive);
  while (pl__gen_next(&g, c)) {
    uint64_t h;
    pl__buf one = {0};
    ck_assert_pl_ok(pl__state_build(&m, c, &s, &h));
    render_state(&m, &s, &one);
    pl__buf_add(&one, "", 1);
    all = realloc(all, (n + 1) * sizeof *all);
    all[n++] = (char *)one.p;
  }
  qsort(all, n, sizeof *all, cmp_str);
  for (i = 0; i < n; i++) {
    if (i > 0 && strcmp(all[i], all[i - 1]) == 0) continue;
    if (joined.len) pl__buf_add_str(&joined, " | ");
    pl__buf_add_str(&joined, all[i]);
  }
  pl__buf_add(&joined, "", 1);
  for (i = 0; i < n; i++) free(all[i]);
  free(all);
  free(c);
  pl__state_free(&s);
  pl__model_free(&m);
  pl_crash_trace_free(&t);
  return (char *)joined.p;
}

START_TEST(litmus_case) {
  const litmus *lc = &cases[_i];
  char *strict = states_of(lc, PL_CRASH_MODEL_STRICT);
  char *ext4 = states_of(lc, PL_CRASH_MODEL_EXT4_ORDERED);
  ck_assert_msg(strcmp(strict, lc->strict) == 0, "%s (strict):\n  expected %s\n  got      %s", lc->name,
                lc->strict, strict);
  ck_assert_msg(strcmp(ext4, lc->ext4 ? lc->ext4 : lc->strict) == 0, "%s (ext4-ordered):\n  expected %s\n  got      %s",
                lc->name, lc->ext4 ? lc->ext4 : lc->strict, ext4);
  free(strict);
  free(ext4);
}
END_TEST

/* Every case names a distinct rule: no two share a name. */
START_TEST(litmus_names_are_unique) {
  size_t i, j, n = sizeof cases / sizeof cases[0];
  for (i = 0; i < n; i++)
    for (j = i + 1; j < n; j++) ck_assert_msg(strcmp(cases[i].name, cases[j].name) != 0, "%s twice", cases[i].name);
  ck_assert_uint_ge(n, 40);
}
END_TEST

int main(void) {
  TCase *tc;
  Suite *s = pl_test_suite(&tc, "crash_litmus", "litmus", NULL, NULL, 0);
  size_t n = sizeof cases / sizeof cases[0], i;
  static TTest named[sizeof cases / sizeof cases[0]];
  /* One Check case per litmus case, named in the log by its rule. */
  for (i = 0; i < n; i++) {
    named[i] = *litmus_case;
    named[i].name = cases[i].name;
    _tcase_add_test(tc, &named[i], 0, 0, (int)i, (int)i + 1);
  }
  tcase_add_test(tc, litmus_names_are_unique);
  suite_add_tcase(s, tc);
  return pl_test_run(s);
}
