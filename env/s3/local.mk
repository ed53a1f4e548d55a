# env/s3: the part writer's S3 multipart sink (libplinth_s3), built when
# configure finds libcurl with AWS SigV4; libplinth never links libcurl.
EXTRA_DIST += tests/s3_test.c

if HAVE_S3
lib_LTLIBRARIES += env/s3/libplinth_s3.la
env_s3_libplinth_s3_la_SOURCES = env/s3/s3_sink.c
env_s3_libplinth_s3_la_CFLAGS = $(AM_CFLAGS) $(PL_VISIBILITY_CFLAGS) $(CURL_CFLAGS)
env_s3_libplinth_s3_la_LIBADD = port/libplinth_thread.la libplinth.la $(CURL_LIBS)
env_s3_libplinth_s3_la_LDFLAGS = -version-info 0:0:0 -no-undefined
pkginclude_HEADERS += include/plinth/s3.h

if HAVE_CHECK
# Needs radosgw: run by make check-ceph (scripts/check-ceph.sh).
PL_CEPH_S3_SUITES = tests/ceph/s3_test
EXTRA_PROGRAMS += tests/ceph/s3_test
tests_ceph_s3_test_SOURCES = tests/s3_test.c tests/test_util.c tests/test_util.h
tests_ceph_s3_test_CFLAGS = $(PL_TEST_CFLAGS) $(CURL_CFLAGS)
tests_ceph_s3_test_LDADD = env/s3/libplinth_s3.la libplinth.la $(CHECK_LIBS) $(CURL_LIBS)
endif
endif
