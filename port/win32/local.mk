# The Windows backend (chosen by configure for mingw hosts) and the
# make check-windows target that cross-builds and runs the suites under Wine.
if PORT_WIN32
libplinth_la_SOURCES += \
	port/win32/win32.h \
	port/win32/win32_error.c \
	port/win32/win32_path.c \
	port/win32/win32_file.c \
	port/win32/win32_fs.c \
	port/win32/win32_sys.c
endif

# Runs on the build machine (Linux): installs mingw-w64 and Wine, builds
# Check for mingw once, cross-builds plinth in its own build directory and
# runs every Check suite there under Wine.
check-windows:
	$(SHELL) $(top_srcdir)/scripts/check-windows.sh

.PHONY: check-windows
