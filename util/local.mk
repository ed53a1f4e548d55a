libplinth_core_la_SOURCES += \
	util/error.c util/error.h \
	util/buf.c util/buf.h \
	util/u32map.c util/u32map.h \
	util/strlist.c \
	util/path.c \
	util/crc32c.c util/crc32c.h
