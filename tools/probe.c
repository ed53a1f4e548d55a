/* plinth probe — placeholder replaced below */
#include "config.h"
#include "tools/tool.h"
int pl_tool_probe(int argc, char **argv) { return 2; }
