# The crash-consistency harness: recording env, trace files, the power-loss
# model, state generation, materializing, checkers, shrinking, fault
# injection and the built-in examples.
libplinth_la_SOURCES += \
	crash/crash_internal.h \
	crash/generator.h \
	crash/trace.c \
	crash/trace_file.c \
	crash/recorder.c \
	crash/model.c \
	crash/state.c \
	crash/generator.c \
	crash/checker.c \
	crash/shrink.c \
	crash/explore.c \
	crash/report.c \
	crash/faults.c \
	crash/examples.c
pkginclude_HEADERS += include/plinth/crash.h

# States generated and materialized per second on a small workload:
# `make crash-rate` (not part of make check: timing is not a test).
noinst_PROGRAMS += crash/crash_rate
crash_crash_rate_SOURCES = crash/crash_rate.c
crash_crash_rate_LDADD = libplinth.la
crash-rate: crash/crash_rate$(EXEEXT)
	$(PL_TEST_RUNNER) ./crash/crash_rate$(EXEEXT)
.PHONY: crash-rate
EXTRA_DIST += crash/TRACE-FORMAT.md

if HAVE_CHECK
check_PROGRAMS += \
	tests/crash_examples_test \
	tests/crash_generator_test \
	tests/crash_trace_test \
	tests/crash_explore_test \
	tests/crash_faults_test
tests_crash_examples_test_SOURCES = tests/crash_examples_test.c
tests_crash_examples_test_CFLAGS = $(PL_TEST_CFLAGS)
tests_crash_examples_test_LDADD = $(PL_TEST_LDADD)
tests_crash_generator_test_SOURCES = tests/crash_generator_test.c
tests_crash_generator_test_CFLAGS = $(PL_TEST_CFLAGS)
tests_crash_generator_test_LDADD = $(PL_TEST_LDADD)
tests_crash_trace_test_SOURCES = tests/crash_trace_test.c
tests_crash_trace_test_CFLAGS = $(PL_TEST_CFLAGS)
tests_crash_trace_test_LDADD = $(PL_TEST_LDADD)
tests_crash_explore_test_SOURCES = tests/crash_explore_test.c
tests_crash_explore_test_CFLAGS = $(PL_TEST_CFLAGS)
tests_crash_explore_test_LDADD = $(PL_TEST_LDADD)
tests_crash_faults_test_SOURCES = tests/crash_faults_test.c
tests_crash_faults_test_CFLAGS = $(PL_TEST_CFLAGS)
tests_crash_faults_test_LDADD = $(PL_TEST_LDADD)
endif

# The CLI's verdicts on the examples (a shell script: run by the shell, not
# by PL_TEST_RUNNER).
TESTS += tests/crash_cli_test.sh
TEST_EXTENSIONS = .sh
SH_LOG_COMPILER = $(SHELL)
EXTRA_DIST += tests/crash_cli_test.sh
