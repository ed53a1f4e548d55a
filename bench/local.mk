# bench/: one program per question (see bench/README.md), each running
# plinth and its baselines in the same run.  Built only by `make bench` and
# `make bench-quick`, never by `make` or `make check`.  The programs that
# compare with LevelDB come in two builds: *_ldb (C++ link with Debian's
# libleveldb) when bench/run.sh finds libleveldb and g++, and a plain one
# without the LevelDB column otherwise -- no configure check needed.
EXTRA_PROGRAMS += \
	bench/small_appends bench/synced_appends bench/reads \
	bench/small_appends_ldb bench/synced_appends_ldb bench/reads_ldb \
	bench/group_commit bench/parallel_parts \
	bench/mapped_appends bench/compressed_appends \
	bench/durable_appends bench/durable_appends_ldb
CLEANFILES += $(EXTRA_PROGRAMS)

BENCH_COMMON = bench/bench_util.c bench/bench_util.h bench/ldb_shim.h

bench_small_appends_SOURCES = bench/small_appends.c $(BENCH_COMMON) bench/ldb_absent.c
bench_small_appends_LDADD = libplinth.la
bench_small_appends_ldb_SOURCES = bench/small_appends.c $(BENCH_COMMON) bench/ldb_shim.cc
bench_small_appends_ldb_LDADD = libplinth.la -lleveldb

bench_synced_appends_SOURCES = bench/synced_appends.c $(BENCH_COMMON) bench/ldb_absent.c
bench_synced_appends_LDADD = libplinth.la
bench_synced_appends_ldb_SOURCES = bench/synced_appends.c $(BENCH_COMMON) bench/ldb_shim.cc
bench_synced_appends_ldb_LDADD = libplinth.la -lleveldb

bench_reads_SOURCES = bench/reads.c $(BENCH_COMMON) bench/ldb_absent.c
bench_reads_LDADD = libplinth.la
bench_reads_ldb_SOURCES = bench/reads.c $(BENCH_COMMON) bench/ldb_shim.cc
bench_reads_ldb_LDADD = libplinth.la -lleveldb

bench_durable_appends_SOURCES = bench/durable_appends.c $(BENCH_COMMON) bench/ldb_absent.c
bench_durable_appends_LDADD = libplinth.la
bench_durable_appends_ldb_SOURCES = bench/durable_appends.c $(BENCH_COMMON) bench/ldb_shim.cc
bench_durable_appends_ldb_LDADD = libplinth.la -lleveldb

bench_group_commit_SOURCES = bench/group_commit.c $(BENCH_COMMON)
bench_group_commit_LDADD = libplinth.la

bench_parallel_parts_SOURCES = bench/parallel_parts.c $(BENCH_COMMON)
bench_parallel_parts_LDADD = libplinth.la

bench_mapped_appends_SOURCES = bench/mapped_appends.c $(BENCH_COMMON)
bench_mapped_appends_LDADD = libplinth.la

bench_compressed_appends_SOURCES = bench/compressed_appends.c $(BENCH_COMMON)
bench_compressed_appends_LDADD = libplinth.la
# The part writer on Ceph (local file vs S3 multipart vs the RADOS env),
# run by `make bench-ceph` (scripts/bench-ceph.sh starts the cluster).
EXTRA_DIST += bench/ceph_parts.c
if HAVE_RADOS
if HAVE_S3
EXTRA_PROGRAMS += bench/ceph_parts
bench_ceph_parts_SOURCES = bench/ceph_parts.c $(BENCH_COMMON)
bench_ceph_parts_LDADD = env/s3/libplinth_s3.la env/rados/libplinth_rados.la libplinth.la
endif
endif

bench-ceph:
	PLINTH_SRCDIR='$(abs_top_srcdir)' PLINTH_BUILDDIR='$(abs_top_builddir)' bash $(top_srcdir)/scripts/bench-ceph.sh

.PHONY: bench-ceph

EXTRA_DIST += bench/run.sh bench/ratios.gp bench/README.md bench/results

# Full run: 1 GiB files, 7 to 15 rounds; CSV, summary and chart into the source
# tree's bench/results/ (what bench/README.md shows).  Minutes.
bench: libplinth.la
	MAKE='$(MAKE)' CXX='$(CXX)' $(SHELL) $(srcdir)/bench/run.sh full '$(abs_top_srcdir)/bench/results'

# Quick run of the same questions (64 MiB, 3 rounds, fewer syncs and
# threads): seconds; results in the build tree's bench/results-quick/.
bench-quick: libplinth.la
	MAKE='$(MAKE)' CXX='$(CXX)' $(SHELL) $(srcdir)/bench/run.sh quick '$(abs_builddir)/bench/results-quick'

.PHONY: bench bench-quick
