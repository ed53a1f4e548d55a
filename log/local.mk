# log/: the record log (include/plinth/log.h) -- preallocated, pre-zeroed,
# recyclable segments; its Check suites and crash-harness proofs.
libplinth_core_la_SOURCES += \
	log/log_internal.h \
	log/log_format.c \
	log/log_writer.c \
	log/log_reader.c
pkginclude_HEADERS += include/plinth/log.h

if HAVE_CHECK
check_PROGRAMS += tests/log_test tests/log_crash_test
# Internal: the test hooks and the framing (pl__log_frame) to craft damage.
tests_log_test_SOURCES = tests/log_test.c $(PL_FAULT_ENV_SOURCES)
tests_log_test_CFLAGS = $(PL_TEST_CFLAGS)
tests_log_test_LDADD = $(PL_TEST_INTERNAL_LDADD)

# Under the crash harness; internal for the negative controls' test hooks.
tests_log_crash_test_SOURCES = tests/log_crash_test.c
tests_log_crash_test_CFLAGS = $(PL_TEST_CFLAGS)
tests_log_crash_test_LDADD = $(PL_TEST_INTERNAL_LDADD)
endif
