# The README's example, built and run by the main job so it cannot rot.
noinst_PROGRAMS += examples/durable_append
examples_durable_append_SOURCES = examples/durable_append.c
examples_durable_append_LDADD = libplinth.la
