libplinth_core_la_SOURCES += \
	env/env_platform.c \
	env/env_default.c \
	env/env_internal.h \
	env/writable.c \
	env/writable_generic.c \
	env/sequential.c \
	env/random.c \
	env/lock_table.c \
	env/background.c \
	env/logger.c \
	env/env_wrapper.c \
	env/file_util.c
include $(srcdir)/env/writepaths.mk
