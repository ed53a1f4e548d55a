bin_PROGRAMS += tools/plinth
tools_plinth_SOURCES = tools/plinth.c tools/tool.h tools/args.c tools/args.h tools/probe.c tools/probe.h tools/crashcheck.c
tools_plinth_LDADD = libplinth.la
if PORT_POSIX
tools_plinth_SOURCES += tools/probe_raw_posix.c
endif
if PORT_WIN32
tools_plinth_SOURCES += tools/probe_raw_win32.c
endif

# The probe's verdicts from the command line: one clear line and exit 1
# when no method can run (a shell script, run by the shell).
if PORT_POSIX
TESTS += tests/probe_cli.sh
endif
EXTRA_DIST += tests/probe_cli.sh
