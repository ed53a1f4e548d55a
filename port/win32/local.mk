# The Windows backend (chosen by configure for mingw hosts) and the
# make check-windows target that cross-builds and runs the suites under Wine.
if PORT_WIN32
libplinth_core_la_SOURCES += \
	port/win32/win32.h \
	port/win32/win32_error.c \
	port/win32/win32_path.c \
	port/win32/win32_file.c \
	port/win32/win32_fs.c \
	port/win32/win32_sys.c \
	port/win32/win32_process.c
port_libplinth_thread_la_SOURCES += port/win32/win32_thread.c
endif

# Runs on the build machine (Linux): installs mingw-w64 and Wine, builds
# Check for mingw once, cross-builds plinth in its own build directory and
# runs every Check suite there under Wine.
check-windows:
	$(SHELL) $(top_srcdir)/scripts/check-windows.sh $(abs_top_builddir)/windows

.PHONY: check-windows

# The behaviours the Windows backend had to work for (non-ASCII and long
# paths, replace-on-rename, share modes, locks, error mapping).  Built on
# every platform: the portable cases prove both backends keep one contract.
if HAVE_CHECK
check_PROGRAMS += tests/win32_test
tests_win32_test_SOURCES = tests/win32_test.c
tests_win32_test_CFLAGS = $(PL_TEST_CFLAGS)
tests_win32_test_LDADD = $(PL_TEST_INTERNAL_LDADD)
endif

# Windows only: the durability calls seen through a Win32 call spy
# (tests/win32_spy.h), the counterpart of the POSIX syscall spy cases.
if HAVE_CHECK
if PORT_WIN32
check_PROGRAMS += tests/win32_spy_test
tests_win32_spy_test_SOURCES = tests/win32_spy_test.c tests/win32_spy.c tests/win32_spy.h
tests_win32_spy_test_CFLAGS = $(PL_TEST_CFLAGS)
tests_win32_spy_test_LDADD = $(PL_TEST_INTERNAL_LDADD)
endif
endif

EXTRA_DIST += port/win32/README.md
