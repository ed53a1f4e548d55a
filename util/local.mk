libplinth_core_la_SOURCES += \
	util/error.c util/error.h \
	util/buf.c util/buf.h \
	util/u32map.c util/u32map.h \
	util/strlist.c \
	util/path.c \
	util/crc32c.c util/crc32c.h \
	util/bytes.h \
	util/append_buffer.h

# util's headers are internal (crc32c, the growable buffer, the 32-bit key
# map): their suites link the convenience library.
if HAVE_CHECK
check_PROGRAMS += tests/crc32c_test tests/buf_test tests/u32map_test
tests_crc32c_test_SOURCES = tests/crc32c_test.c
tests_crc32c_test_CFLAGS = $(PL_TEST_CFLAGS)
tests_crc32c_test_LDADD = $(PL_TEST_INTERNAL_LDADD)
tests_buf_test_SOURCES = tests/buf_test.c
tests_buf_test_CFLAGS = $(PL_TEST_CFLAGS)
tests_buf_test_LDADD = $(PL_TEST_INTERNAL_LDADD)
tests_u32map_test_SOURCES = tests/u32map_test.c
tests_u32map_test_CFLAGS = $(PL_TEST_CFLAGS)
tests_u32map_test_LDADD = $(PL_TEST_INTERNAL_LDADD)
endif
