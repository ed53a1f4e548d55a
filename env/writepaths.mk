# Write paths built on the pl_env vtable: group commit and the parallel
# part writer, with their Check suites (and the formatted-append suite).
libplinth_core_la_SOURCES += \
	env/group_commit.c \
	env/part_writer.c \
	env/group_commit_internal.h
pkginclude_HEADERS += \
	include/plinth/group_commit.h \
	include/plinth/part_writer.h \
	include/plinth/compress.h

# Compressed files (env/COMPRESS-FORMAT.md): zstd when configure found
# libzstd, otherwise stubs answering PL_NOT_SUPPORTED; the same exported
# symbols either way.
libplinth_core_la_SOURCES += env/compress_common.c env/compress_internal.h
if HAVE_ZSTD
libplinth_core_la_SOURCES += env/compress_zstd.c
else
libplinth_core_la_SOURCES += env/compress_absent.c
endif
EXTRA_DIST += env/COMPRESS-FORMAT.md

if HAVE_CHECK
check_PROGRAMS += \
	tests/group_commit_test \
	tests/part_writer_test \
	tests/appendf_test \
	tests/write_paths_crash_test \
	tests/compress_test \
	tests/compress_crash_test

PL_FAULT_ENV_SOURCES = tests/fault_env.c tests/fault_env.h

tests_group_commit_test_SOURCES = tests/group_commit_test.c $(PL_FAULT_ENV_SOURCES)
tests_group_commit_test_CFLAGS = $(PL_TEST_CFLAGS)
tests_group_commit_test_LDADD = $(PL_TEST_LDADD)

tests_part_writer_test_SOURCES = tests/part_writer_test.c $(PL_FAULT_ENV_SOURCES)
tests_part_writer_test_CFLAGS = $(PL_TEST_CFLAGS)
tests_part_writer_test_LDADD = $(PL_TEST_INTERNAL_LDADD)

tests_appendf_test_SOURCES = tests/appendf_test.c $(PL_FAULT_ENV_SOURCES)
tests_appendf_test_CFLAGS = $(PL_TEST_CFLAGS)
tests_appendf_test_LDADD = $(PL_TEST_LDADD)


tests_write_paths_crash_test_SOURCES = tests/write_paths_crash_test.c
tests_write_paths_crash_test_CFLAGS = $(PL_TEST_CFLAGS)
tests_write_paths_crash_test_LDADD = $(PL_TEST_LDADD)

tests_compress_test_SOURCES = tests/compress_test.c $(PL_FAULT_ENV_SOURCES)
tests_compress_test_CFLAGS = $(PL_TEST_CFLAGS)
tests_compress_test_LDADD = $(PL_TEST_LDADD)

# Links the convenience library for the negative control's test hook.
tests_compress_crash_test_SOURCES = tests/compress_crash_test.c
tests_compress_crash_test_CFLAGS = $(PL_TEST_CFLAGS)
tests_compress_crash_test_LDADD = $(PL_TEST_INTERNAL_LDADD)
endif
