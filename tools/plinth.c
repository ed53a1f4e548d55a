/* plinth — the command-line tool: dispatches to one subcommand per file. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "tools/tool.h"

typedef struct subcommand {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *summary;
} subcommand;

static const subcommand subcommands[] = {
    {"probe", pl_tool_probe, "measure sync latencies and directory-sync support of a file system"},
    {"crashcheck", pl_tool_crashcheck, "simulate power loss at every operation and check recovery"},
};

/* Help asked for goes to stdout with status 0; help after a usage error goes
 * to stderr with status 2 (the GNU convention, so `plinth --help | less`
 * works and scripts can tell a mistake from a request). */
static void usage(FILE *out) {
  size_t i;
  fprintf(out, "usage: plinth COMMAND [ARGS]\n"
               "       plinth --version | --help\n\ncommands:\n");
  for (i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
    fprintf(out, "  %-12s %s\n", subcommands[i].name, subcommands[i].summary);
  fprintf(out, "\n'plinth COMMAND --help' describes one command.\n");
}

int main(int argc, char **argv) {
  size_t i;
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    usage(stdout);
    return 0;
  }
  if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
    printf("plinth %s\n", PACKAGE_VERSION);
    return 0;
  }
  for (i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
    if (strcmp(argv[1], subcommands[i].name) == 0) return subcommands[i].run(argc - 1, argv + 1);
  fprintf(stderr, "plinth: unknown %s '%s'\n\n", argv[1][0] == '-' ? "option" : "command", argv[1]);
  usage(stderr);
  return 2;
}
