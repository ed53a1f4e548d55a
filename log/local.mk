# log/: the record log (include/plinth/log.h) -- preallocated, pre-zeroed,
# recyclable segments; its Check suites and crash-harness proofs.
libplinth_core_la_SOURCES += \
	log/log_internal.h \
	log/log_format.c \
	log/log_writer.c \
	log/log_reader.c
pkginclude_HEADERS += include/plinth/log.h
