# env/rados: the RADOS env and the S3 multipart sink, each in its own
# library (libplinth_rados, libplinth_s3) so that libplinth never links
# librados or libcurl.  Both use only libplinth's public API, plus the
# port's threads (port/libplinth_thread.la, hidden: -fvisibility=hidden).
EXTRA_DIST += env/rados/README.md
include $(srcdir)/env/s3/local.mk

if HAVE_RADOS
lib_LTLIBRARIES += env/rados/libplinth_rados.la
env_rados_libplinth_rados_la_SOURCES = \
	env/rados/rados_internal.h \
	env/rados/rados_env.c \
	env/rados/rados_file.c \
	env/rados/rados_lock.c
env_rados_libplinth_rados_la_CFLAGS = $(AM_CFLAGS) $(PL_VISIBILITY_CFLAGS)
env_rados_libplinth_rados_la_LIBADD = port/libplinth_thread.la libplinth.la -lrados
env_rados_libplinth_rados_la_LDFLAGS = -version-info 0:0:0 -no-undefined
pkginclude_HEADERS += include/plinth/rados.h
endif

# make check-ceph (scripts/check-ceph.sh starts the cluster): plinth's
# conformance suites built again with PL_TEST_ENV_RADOS, so that the same
# Check cases run on the RADOS env (cases about POSIX or the platform env
# are listed as skipped, with their rule), and the RADOS env's own suites.
# Never built or run by `make check`: they need a cluster.
PL_CEPH_SUITES = \
	tests/ceph/fs_test \
	tests/ceph/read_test \
	tests/ceph/writable_test \
	tests/ceph/lock_test \
	tests/ceph/file_util_test \
	tests/ceph/rados_test
PL_CEPH_KILL_SUITES = tests/ceph/rados_kill_test
EXTRA_DIST += tests/rados_test.c tests/rados_kill_test.c tests/rados_test_util.h

if HAVE_RADOS
if HAVE_CHECK
EXTRA_PROGRAMS += $(PL_CEPH_SUITES) $(PL_CEPH_KILL_SUITES)
PL_CEPH_CFLAGS = $(PL_TEST_CFLAGS) -DPL_TEST_ENV_RADOS
PL_CEPH_LDADD = env/rados/libplinth_rados.la libplinth.la $(CHECK_LIBS)
PL_CEPH_UTIL = tests/test_util.c tests/test_util.h

tests_ceph_fs_test_SOURCES = tests/fs_test.c $(PL_CEPH_UTIL)
tests_ceph_fs_test_CFLAGS = $(PL_CEPH_CFLAGS)
tests_ceph_fs_test_LDADD = $(PL_CEPH_LDADD)

tests_ceph_read_test_SOURCES = tests/read_test.c $(PL_CEPH_UTIL)
tests_ceph_read_test_CFLAGS = $(PL_CEPH_CFLAGS)
tests_ceph_read_test_LDADD = $(PL_CEPH_LDADD)

tests_ceph_writable_test_SOURCES = tests/writable_test.c $(PL_CEPH_UTIL)
tests_ceph_writable_test_CFLAGS = $(PL_CEPH_CFLAGS)
tests_ceph_writable_test_LDADD = $(PL_CEPH_LDADD)

tests_ceph_lock_test_SOURCES = tests/lock_test.c $(PL_CEPH_UTIL)
tests_ceph_lock_test_CFLAGS = $(PL_CEPH_CFLAGS)
tests_ceph_lock_test_LDADD = $(PL_CEPH_LDADD)

tests_ceph_file_util_test_SOURCES = tests/file_util_test.c $(PL_CEPH_UTIL)
tests_ceph_file_util_test_CFLAGS = $(PL_CEPH_CFLAGS)
tests_ceph_file_util_test_LDADD = $(PL_CEPH_LDADD)

tests_ceph_rados_test_SOURCES = tests/rados_test.c tests/rados_test_util.h $(PL_CEPH_UTIL)
tests_ceph_rados_test_CFLAGS = $(PL_CEPH_CFLAGS)
tests_ceph_rados_test_LDADD = $(PL_CEPH_LDADD) -lrados

tests_ceph_rados_kill_test_SOURCES = tests/rados_kill_test.c tests/rados_test_util.h $(PL_CEPH_UTIL)
tests_ceph_rados_kill_test_CFLAGS = $(PL_CEPH_CFLAGS)
tests_ceph_rados_kill_test_LDADD = $(PL_CEPH_LDADD) -lrados
endif
endif

PL_CEPH_SCRIPT_ENV = PLINTH_SRCDIR='$(abs_top_srcdir)' PLINTH_BUILDDIR='$(abs_top_builddir)'
check-ceph:
	$(PL_CEPH_SCRIPT_ENV) bash $(top_srcdir)/scripts/check-ceph.sh
print-ceph-suites:
	@echo $(PL_CEPH_SUITES) $(PL_CEPH_S3_SUITES)
print-ceph-kill-suites:
	@echo $(PL_CEPH_KILL_SUITES)
.PHONY: check-ceph print-ceph-suites print-ceph-kill-suites
