libplinth_core_la_SOURCES += port/port.h port/thread.h port/process.h
if PORT_POSIX
libplinth_core_la_SOURCES += \
	port/posix/posix_error.c \
	port/posix/posix_file.c \
	port/posix/posix_fs.c \
	port/posix/posix_sys.c \
	port/posix/posix_thread.c \
	port/posix/posix_process.c
endif
include $(srcdir)/port/win32/local.mk
