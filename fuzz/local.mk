# fuzz/: libFuzzer targets for the inputs plinth takes from outside (trace
# files, state ids) and what is built from them (the model, states,
# materializing).  `make fuzz` (scripts/fuzz.sh) builds them with clang,
# ASan and UBSan in build/fuzz and runs each for FUZZ_SECONDS (30).
# Like check-windows, the clang build is configured from a clean copy of the
# distributed sources (PL_SOURCE_COPY in Makefile.am), so it works from a
# source directory configured in place too.
FUZZ_SECONDS = 30
PL_FUZZ_SOURCE_COPY = $(abs_top_builddir)/fuzz-src
fuzz:
	$(AM_V_at)$(PL_SOURCE_COPY) distdir='$(PL_FUZZ_SOURCE_COPY)' top_distdir='$(PL_FUZZ_SOURCE_COPY)'
	PLINTH_SOURCE_COPY='$(PL_FUZZ_SOURCE_COPY)' PLINTH_FUZZ_BUILD='$(abs_top_builddir)/fuzz-build' \
	  $(SHELL) $(top_srcdir)/scripts/fuzz.sh $(FUZZ_SECONDS)
.PHONY: fuzz
EXTRA_DIST += fuzz/README.md fuzz/fuzz_util.h fuzz/fuzz_util.c fuzz/trace_reader_fuzz.c \
	fuzz/state_id_fuzz.c fuzz/model_fuzz.c fuzz/compress_reader_fuzz.c fuzz/log_reader_fuzz.c \
	fuzz/corpus

# `make coverage` (scripts/coverage.sh): gcov build in build/coverage, make
# check, line and branch coverage per directory.
PL_COVERAGE_SOURCE_COPY = $(abs_top_builddir)/coverage-src
coverage:
	$(AM_V_at)$(PL_SOURCE_COPY) distdir='$(PL_COVERAGE_SOURCE_COPY)' top_distdir='$(PL_COVERAGE_SOURCE_COPY)'
	PLINTH_SOURCE_COPY='$(PL_COVERAGE_SOURCE_COPY)' PLINTH_COVERAGE_BUILD='$(abs_top_builddir)/coverage-build' \
	  $(SHELL) $(top_srcdir)/scripts/coverage.sh
.PHONY: coverage
