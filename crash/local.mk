# The crash-consistency harness: recording env, trace files, the power-loss
# model, state generation, materializing, checkers, shrinking, fault
# injection and the built-in examples.
libplinth_la_SOURCES += \
	crash/crash_internal.h \
	crash/generator.h \
	crash/trace.c \
	crash/trace_file.c \
	crash/recorder.c \
	crash/model.c \
	crash/state.c \
	crash/generator.c \
	crash/checker.c \
	crash/shrink.c \
	crash/explore.c \
	crash/report.c \
	crash/faults.c \
	crash/examples.c
pkginclude_HEADERS += include/plinth/crash.h
EXTRA_DIST += crash/TRACE-FORMAT.md
