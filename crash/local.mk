# The crash-consistency harness: recording env, trace files, the power-loss
# model, state generation, materializing, checkers, shrinking, fault
# injection and the built-in examples.
libplinth_core_la_SOURCES += \
	crash/crash_internal.h \
	crash/generator.h \
	crash/trace.c \
	crash/trace_file.c \
	crash/recorder.c \
	crash/program.c \
	crash/model.c \
	crash/state.c \
	crash/generator.c \
	crash/tears.c \
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

# LevelDB on the harness: `make crash-leveldb` builds crash/leveldb_crash
# against Debian's libleveldb-dev (scripts/install-deps.sh leveldb) and
# compat/leveldb's adapter, records 20 keys written with sync=true, and
# checks every crash state at every sync point by reopening the database with
# LevelDB's own env, under the strict model and under ext4-ordered for
# comparison.  Not part of make check: it reports LevelDB's own findings.
EXTRA_DIST += crash/leveldb_crash.cc
CLEANFILES += crash/leveldb_crash
PL_LDB_KEYS = 20
crash/leveldb_crash: $(srcdir)/crash/leveldb_crash.cc libplinth.la
	@test -f $(top_srcdir)/compat/leveldb/plinth_leveldb_env.cc || \
	  { echo "crash-leveldb: compat/leveldb's adapter is not in this tree"; exit 1; }
	$(LIBTOOL) --tag=CXX --mode=link $(CXX) $(AM_CPPFLAGS) -I$(top_srcdir)/compat/leveldb \
	  $(AM_CXXFLAGS) $(CXXFLAGS) $(LDFLAGS) -o $@ $(srcdir)/crash/leveldb_crash.cc \
	  $(top_srcdir)/compat/leveldb/plinth_leveldb_env.cc libplinth.la -lleveldb $(LIBS)
crash-leveldb: crash/leveldb_crash tools/plinth$(EXEEXT)
	for model in strict ext4-ordered; do \
	  ./tools/plinth crashcheck --quiet --sync-points --model $$model --max-failures 3 \
	    --checker '$(abs_builddir)/crash/leveldb_crash check' \
	    -- '$(abs_builddir)/crash/leveldb_crash' record db $(PL_LDB_KEYS); \
	  test $$? -le 1 || exit 1; \
	done
.PHONY: crash-leveldb
EXTRA_DIST += crash/TRACE-FORMAT.md

if HAVE_CHECK
check_PROGRAMS += \
	tests/crash_examples_test \
	tests/crash_generator_test \
	tests/crash_trace_test \
	tests/crash_explore_test \
	tests/crash_faults_test \
	tests/crash_litmus_test \
	tests/crash_verdicts_test \
	tests/crash_untrusted_test
tests_crash_untrusted_test_SOURCES = tests/crash_untrusted_test.c
tests_crash_untrusted_test_CFLAGS = $(PL_TEST_CFLAGS)
tests_crash_untrusted_test_LDADD = $(PL_TEST_LDADD)
tests_crash_verdicts_test_SOURCES = tests/crash_verdicts_test.c
tests_crash_verdicts_test_CFLAGS = $(PL_TEST_CFLAGS)
tests_crash_verdicts_test_LDADD = $(PL_TEST_INTERNAL_LDADD)
tests_crash_litmus_test_SOURCES = tests/crash_litmus_test.c
tests_crash_litmus_test_CFLAGS = $(PL_TEST_CFLAGS)
tests_crash_litmus_test_LDADD = $(PL_TEST_INTERNAL_LDADD)
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

# A program crash_cli.sh records: it exits, aborts or writes outside its
# root on demand.
noinst_PROGRAMS += tests/crash_workload
tests_crash_workload_SOURCES = tests/crash_workload.c
tests_crash_workload_LDADD = libplinth.la
# A real executable, not libtool's wrapper script: the test copies it.
tests_crash_workload_LDFLAGS = -no-install

# The CLI's verdicts on the examples (a shell script: run by the shell, not
# by PL_TEST_RUNNER).  Native builds only: a Windows build's plinth.exe
# would need Wine inside the script.
if PORT_POSIX
TESTS += tests/crash_cli.sh
endif
EXTRA_DIST += tests/crash_cli.sh
