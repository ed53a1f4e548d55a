/* placeholder */
#include "config.h"
#include "tests/rados_test_util.h"
int main(int argc, char **argv) { return rt_helper_main(argc, argv) >= 0 ? 0 : 0; }
