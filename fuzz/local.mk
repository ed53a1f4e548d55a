# fuzz/: libFuzzer targets for the inputs plinth takes from outside (trace
# files, state ids) and what is built from them (the model, states,
# materializing).  `make fuzz` (scripts/fuzz.sh) builds them with clang,
# ASan and UBSan in build/fuzz and runs each for FUZZ_SECONDS (30).
FUZZ_SECONDS = 30
fuzz:
	$(SHELL) $(top_srcdir)/scripts/fuzz.sh $(FUZZ_SECONDS)
.PHONY: fuzz
EXTRA_DIST += fuzz/README.md fuzz/fuzz_util.h fuzz/fuzz_util.c fuzz/trace_reader_fuzz.c \
	fuzz/state_id_fuzz.c fuzz/model_fuzz.c fuzz/corpus

# `make coverage` (scripts/coverage.sh): gcov build in build/coverage, make
# check, line and branch coverage per directory.
coverage:
	$(SHELL) $(top_srcdir)/scripts/coverage.sh
.PHONY: coverage
