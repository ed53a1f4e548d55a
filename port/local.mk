libplinth_la_SOURCES += port/port.h
if PORT_POSIX
libplinth_la_SOURCES += \
	port/posix/posix_error.c \
	port/posix/posix_file.c \
	port/posix/posix_fs.c \
	port/posix/posix_sys.c
endif
if PORT_WIN32
libplinth_la_SOURCES += \
	port/win32/win32_error.c \
	port/win32/win32_file.c \
	port/win32/win32_fs.c \
	port/win32/win32_sys.c
endif
