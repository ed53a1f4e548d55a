/* journal — a stdio program on the crash harness, built twice by make
 * crash-programs: dynamically, and with gcc -static (no dynamic loader, no
 * libc.so: only the recorder at the system-call level can see it).
 *
 *   journal record N [careless]
 *       Appends N lines "entry I" to journal.txt with fprintf + fflush +
 *       fsync(fileno(f)) and notes each (a line appended to $PLINTH_NOTES)
 *       once its fsync returned.  The file is new: its directory is fsynced
 *       after the first entry, unless "careless" (the classic bug: a synced
 *       file whose name can still be lost).
 *   journal check DIR NOTES
 *       DIR/journal.txt holds every noted entry, in order, each line whole;
 *       exit 0, or 1 with the reason. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int note(int i) {
  const char *p = getenv("PLINTH_NOTES");
  FILE *n;
  if (p == NULL) return 0;
  n = fopen(p, "a");
  if (n == NULL) return -1;
  fprintf(n, "entry %d\n", i);
  return fclose(n);
}

static int record(int count, int careless) {
  FILE *f = fopen("journal.txt", "a");
  int i;
  if (f == NULL) {
    perror("journal.txt");
    return 1;
  }
  for (i = 0; i < count; i++) {
    fprintf(f, "entry %d\n", i);
    if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
      perror("journal: sync");
      return 1;
    }
    if (i == 0 && !careless) {
      int d = open(".", O_RDONLY | O_DIRECTORY);
      if (d < 0 || fsync(d) != 0) {
        perror("journal: directory sync");
        return 1;
      }
      close(d);
    }
    if (note(i) != 0) return 1;
  }
  return fclose(f) == 0 ? 0 : 1;
}

static int check(const char *dir, const char *notes_path) {
  char path[4096], line[256], want[64];
  FILE *f, *notes = fopen(notes_path, "r");
  int acked = 0, i, got = 0;
  while (notes != NULL && fgets(line, sizeof line, notes) != NULL)
    if (sscanf(line, "entry %d", &i) == 1 && i + 1 > acked) acked = i + 1;
  if (notes != NULL) fclose(notes);
  snprintf(path, sizeof path, "%s/journal.txt", dir);
  f = fopen(path, "r");
  if (f == NULL) {
    if (acked == 0) return 0;
    printf("journal.txt is missing after %d acknowledged entries\n", acked);
    return 1;
  }
  while (fgets(line, sizeof line, f) != NULL) {
    snprintf(want, sizeof want, "entry %d\n", got);
    if (strcmp(line, want) != 0) {
      /* An unacknowledged entry may be torn or zero-filled: not a loss. */
      if (got >= acked) break;
      printf("line %d is damaged, and entries 0-%d were acknowledged\n", got, acked - 1);
      fclose(f);
      return 1;
    }
    got++;
  }
  fclose(f);
  if (got < acked) {
    printf("%d entries acknowledged, %d in journal.txt\n", acked, got);
    return 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 3 && strcmp(argv[1], "record") == 0)
    return record(atoi(argv[2]), argc > 3 && strcmp(argv[3], "careless") == 0);
  if (argc == 4 && strcmp(argv[1], "check") == 0) return check(argv[2], argv[3]);
  fprintf(stderr, "usage: journal record N [careless] | journal check DIR NOTES\n");
  return 2;
}
