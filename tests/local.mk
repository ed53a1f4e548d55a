# Check suites: one program per area, one test case per promised behaviour.
# Other parts of the tree add their suites the same way in their local.mk:
#   check_PROGRAMS += tests/foo_test
#   tests_foo_test_SOURCES = tests/foo_test.c
#   tests_foo_test_LDADD = $(PL_TEST_LDADD)
#   tests_foo_test_CFLAGS = $(PL_TEST_CFLAGS)
if HAVE_CHECK
check_LTLIBRARIES += tests/libpltest.la
tests_libpltest_la_SOURCES = tests/test_util.c tests/test_util.h
tests_libpltest_la_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)

PL_TEST_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
# Suites link the shared library as an embedder does; those that test
# internals (pl__*) link the convenience library, where they are visible.
PL_TEST_LDADD = tests/libpltest.la libplinth.la $(CHECK_LIBS)
PL_TEST_INTERNAL_LDADD = tests/libpltest.la libplinth_core.la $(CHECK_LIBS)

check_PROGRAMS += \
	tests/status_test \
	tests/writable_test \
	tests/read_test \
	tests/fs_test \
	tests/lock_test \
	tests/cloexec_test \
	tests/background_test \
	tests/logger_test \
	tests/file_util_test \
	tests/durability_test

tests_status_test_SOURCES = tests/status_test.c
tests_status_test_CFLAGS = $(PL_TEST_CFLAGS)
tests_status_test_LDADD = $(PL_TEST_LDADD)

tests_writable_test_SOURCES = tests/writable_test.c
tests_writable_test_CFLAGS = $(PL_TEST_CFLAGS)
tests_writable_test_LDADD = $(PL_TEST_LDADD)

tests_read_test_SOURCES = tests/read_test.c
tests_read_test_CFLAGS = $(PL_TEST_CFLAGS)
tests_read_test_LDADD = $(PL_TEST_LDADD)

tests_fs_test_SOURCES = tests/fs_test.c
tests_fs_test_CFLAGS = $(PL_TEST_CFLAGS)
tests_fs_test_LDADD = $(PL_TEST_LDADD)

tests_lock_test_SOURCES = tests/lock_test.c
tests_lock_test_CFLAGS = $(PL_TEST_CFLAGS)
tests_lock_test_LDADD = $(PL_TEST_LDADD)

tests_cloexec_test_SOURCES = tests/cloexec_test.c
tests_cloexec_test_CFLAGS = $(PL_TEST_CFLAGS)
tests_cloexec_test_LDADD = $(PL_TEST_LDADD)

tests_logger_test_SOURCES = tests/logger_test.c
tests_logger_test_CFLAGS = $(PL_TEST_CFLAGS)
tests_logger_test_LDADD = $(PL_TEST_LDADD)

tests_background_test_SOURCES = tests/background_test.c
tests_background_test_CFLAGS = $(PL_TEST_CFLAGS)
tests_background_test_LDADD = $(PL_TEST_LDADD)

tests_file_util_test_SOURCES = tests/file_util_test.c
tests_file_util_test_CFLAGS = $(PL_TEST_CFLAGS)
tests_file_util_test_LDADD = $(PL_TEST_LDADD)

# The system-call spy (tests/syscall_spy.h) replaces entries of the port's
# internal system-call table, so its suites link the convenience library.
PL_SPY_SOURCES = tests/syscall_spy.c tests/syscall_spy.h

# Durable sync, sticky failures and atomic replace as the OS sees them, on
# every platform.
tests_durability_test_SOURCES = tests/durability_test.c $(PL_SPY_SOURCES)
tests_durability_test_CFLAGS = $(PL_TEST_CFLAGS)
tests_durability_test_LDADD = $(PL_TEST_INTERNAL_LDADD)

# Issue 11's sweep: one run of a workload over the public API per
# (system call, error), on the same spy.
check_PROGRAMS += tests/fault_sweep_test
tests_fault_sweep_test_SOURCES = tests/fault_sweep_test.c $(PL_SPY_SOURCES)
tests_fault_sweep_test_CFLAGS = $(PL_TEST_CFLAGS)
tests_fault_sweep_test_LDADD = $(PL_TEST_INTERNAL_LDADD)

# Every Check program is a test; LOG_COMPILER runs them (under Wine when
# cross-built for Windows).
TESTS += $(check_PROGRAMS)
LOG_COMPILER = $(PL_TEST_RUNNER)
# Check's default of 4 s per case is for a quiet machine; sanitizers, Wine
# and a busy CI host are not that.  Timing is never what a case tests.
AM_TESTS_ENVIRONMENT = CK_DEFAULT_TIMEOUT=$${CK_DEFAULT_TIMEOUT:-120}; export CK_DEFAULT_TIMEOUT;
endif

# libplinth.so's dynamic symbol table is exactly the PL_API declarations.
if PORT_POSIX
TESTS += tests/exports.sh
endif
EXTRA_DIST += tests/exports.sh

# POSIX-only suites of internals, linking the convenience library: out of
# memory at every allocation of a harness workload (plinth's own malloc,
# calloc, realloc and strdup wrapped at link time, GNU ld), and running
# other programs (port/process.h).
if HAVE_CHECK
if PORT_POSIX
check_PROGRAMS += tests/alloc_sweep_test tests/process_test
tests_alloc_sweep_test_SOURCES = tests/alloc_sweep_test.c
tests_alloc_sweep_test_CFLAGS = $(PL_TEST_CFLAGS)
tests_alloc_sweep_test_LDADD = $(PL_TEST_INTERNAL_LDADD)
tests_alloc_sweep_test_LDFLAGS = -Wl,--wrap=malloc -Wl,--wrap=calloc -Wl,--wrap=realloc -Wl,--wrap=strdup
tests_process_test_SOURCES = tests/process_test.c
tests_process_test_CFLAGS = $(PL_TEST_CFLAGS)
tests_process_test_LDADD = $(PL_TEST_INTERNAL_LDADD)
endif
endif
