libplinth_core_la_SOURCES += port/port.h port/thread.h port/process.h port/syscalls.h port/tracer.h

# The backend's threads (port/thread.h) in a convenience library of their
# own, compiled once: libplinth_core takes it, and so do the libraries
# built beside libplinth (libplinth_rados, libplinth_s3), which use only
# libplinth's public API plus these, hidden in each (-fvisibility=hidden).
# The code keeps no state of its own, so each library's copy of the
# objects behaves as the other's.
noinst_LTLIBRARIES += port/libplinth_thread.la
port_libplinth_thread_la_SOURCES = port/thread.h
port_libplinth_thread_la_CFLAGS = $(AM_CFLAGS) $(PL_VISIBILITY_CFLAGS)
libplinth_core_la_LIBADD = port/libplinth_thread.la

if PORT_POSIX
port_libplinth_thread_la_SOURCES += port/posix/posix_thread.c
libplinth_core_la_SOURCES += \
	port/posix/posix_error.c \
	port/posix/posix_syscalls.c \
	port/posix/posix_syscalls.h \
	port/posix/posix_file.c \
	port/posix/posix_fs.c \
	port/posix/posix_sys.c \
	port/posix/posix_process.c \
	port/posix/posix_process.h
endif
# The crash harness's system-call tracer: Linux only (configure decides).
if PL_LINUX_TRACER
libplinth_core_la_SOURCES += \
	port/linux/tracer_internal.h \
	port/linux/linux_tracer.c \
	port/linux/linux_calls.c
else
libplinth_core_la_SOURCES += port/tracer_none.c
endif
include $(srcdir)/port/win32/local.mk
