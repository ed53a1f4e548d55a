# env/rados: the RADOS env and the S3 multipart sink, each in its own
# library (libplinth_rados, libplinth_s3) so that libplinth never links
# librados or libcurl.  Both use only libplinth's public API, plus the
# port's threads compiled in (hidden: -fvisibility=hidden).
EXTRA_DIST += env/rados/README.md

if HAVE_RADOS
lib_LTLIBRARIES += env/rados/libplinth_rados.la
env_rados_libplinth_rados_la_SOURCES = \
	env/rados/rados_internal.h \
	env/rados/rados_env.c \
	env/rados/rados_file.c \
	env/rados/rados_lock.c \
	port/posix/posix_thread.c
env_rados_libplinth_rados_la_CFLAGS = $(AM_CFLAGS) $(PL_VISIBILITY_CFLAGS)
env_rados_libplinth_rados_la_LIBADD = libplinth.la -lrados
env_rados_libplinth_rados_la_LDFLAGS = -version-info 0:0:0 -no-undefined
pkginclude_HEADERS += include/plinth/rados.h
endif
