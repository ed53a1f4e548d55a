/* The plinth CLI's subcommands: each is a main() of its own, given the
 * arguments after its name (argv[0] is the subcommand's name). */
#ifndef PLINTH_TOOLS_TOOL_H
#define PLINTH_TOOLS_TOOL_H

int pl_tool_probe(int argc, char **argv);
int pl_tool_crashcheck(int argc, char **argv);

#endif
