pkginclude_HEADERS += \
	include/plinth/plinth.h \
	include/plinth/export.h \
	include/plinth/status.h \
	include/plinth/env.h \
	include/plinth/env_wrapper.h \
	include/plinth/file_util.h
