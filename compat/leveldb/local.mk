# compat/leveldb: LevelDB's Env on plinth (see plinth_leveldb.h).
#
# make check-leveldb  LevelDB 1.23's own ctest suite with plinth's env in
#                     place of util/env_posix.cc (scripts/check-leveldb.sh)
# make bench-leveldb  db_bench, stock LevelDB vs LevelDB on plinth
#                     (scripts/bench-leveldb.sh)
EXTRA_DIST += \
	compat/leveldb/plinth_leveldb.h \
	compat/leveldb/plinth_leveldb_env.cc \
	compat/leveldb/env_default.cc \
	compat/leveldb/env_default_rados.cc \
	compat/leveldb/adapter_test.cc \
	compat/leveldb/README.md \
	compat/leveldb/leveldb-cmake.patch

# Both build a static plinth of their own, configured from a clean copy of
# the distributed sources (see PL_SOURCE_COPY in Makefile.am), so they work
# from a source directory configured in place as well as from a build
# directory of its own.
PL_LDB_SOURCE_COPY = $(abs_top_builddir)/compat/leveldb/work/plinth-src
PL_LEVELDB_SCRIPT_ENV = PLINTH_SRCDIR='$(abs_top_srcdir)' PLINTH_BUILDDIR='$(abs_top_builddir)' \
	PLINTH_SOURCE_COPY='$(PL_LDB_SOURCE_COPY)'

pl-ldb-source-copy:
	$(AM_V_at)$(MKDIR_P) '$(abs_top_builddir)/compat/leveldb/work'
	$(AM_V_at)$(PL_SOURCE_COPY) distdir='$(PL_LDB_SOURCE_COPY)' top_distdir='$(PL_LDB_SOURCE_COPY)'

check-leveldb: pl-ldb-source-copy
	$(PL_LEVELDB_SCRIPT_ENV) bash $(top_srcdir)/scripts/check-leveldb.sh

bench-leveldb: pl-ldb-source-copy
	$(PL_LEVELDB_SCRIPT_ENV) bash $(top_srcdir)/scripts/bench-leveldb.sh

.PHONY: check-leveldb bench-leveldb pl-ldb-source-copy

# The adapter as a library an application linking libleveldb can use
# (pl_leveldb_env_new), when configure found LevelDB's headers and library.
if HAVE_LEVELDB
lib_LTLIBRARIES += compat/leveldb/libplinth_leveldb.la
compat_leveldb_libplinth_leveldb_la_SOURCES = compat/leveldb/plinth_leveldb_env.cc
compat_leveldb_libplinth_leveldb_la_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/compat/leveldb
compat_leveldb_libplinth_leveldb_la_LIBADD = libplinth.la -lleveldb
compat_leveldb_libplinth_leveldb_la_LDFLAGS = -version-info 0:0:0 -no-undefined
pkginclude_HEADERS += compat/leveldb/plinth_leveldb.h

if HAVE_CHECK
# Built as tests/leveldb_adapter_test so scripts/test.sh counts it with the
# other suites (and runs it under valgrind).
check_PROGRAMS += tests/leveldb_adapter_test
tests_leveldb_adapter_test_SOURCES = compat/leveldb/adapter_test.cc
tests_leveldb_adapter_test_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/compat/leveldb
tests_leveldb_adapter_test_CXXFLAGS = $(AM_CXXFLAGS) $(CHECK_CFLAGS)
tests_leveldb_adapter_test_LDADD = compat/leveldb/libplinth_leveldb.la $(PL_TEST_LDADD) -lleveldb
endif
endif
