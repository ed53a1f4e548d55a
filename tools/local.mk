bin_PROGRAMS += tools/plinth
tools_plinth_SOURCES = tools/plinth.c tools/tool.h tools/probe.c tools/crashcheck.c
tools_plinth_LDADD = libplinth.la
