# The Windows backend (chosen by configure for mingw hosts) and the
# make check-windows target that cross-builds and runs the suites under Wine.
if PORT_WIN32
libplinth_core_la_SOURCES += \
	port/win32/win32.h \
	port/win32/win32_error.c \
	port/win32/win32_syscalls.c \
	port/win32/win32_syscalls.h \
	port/win32/win32_path.c \
	port/win32/win32_file.c \
	port/win32/win32_fs.c \
	port/win32/win32_sys.c \
	port/win32/win32_process.c
port_libplinth_thread_la_SOURCES += port/win32/win32_thread.c
endif

# Runs on the build machine (Linux): installs mingw-w64 and Wine, builds
# Check for mingw once, cross-builds plinth in its own build directory
# (configured from a clean copy of the distributed sources, PL_SOURCE_COPY
# in Makefile.am) and runs every Check suite there under Wine.
PL_WIN_SOURCE_COPY = $(abs_top_builddir)/windows-src
check-windows:
	$(AM_V_at)$(PL_SOURCE_COPY) distdir='$(PL_WIN_SOURCE_COPY)' top_distdir='$(PL_WIN_SOURCE_COPY)'
	PLINTH_SOURCE_COPY='$(PL_WIN_SOURCE_COPY)' \
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

EXTRA_DIST += port/win32/README.md
