# CMake package: find_package(plinth) and plinth::plinth (and
# plinth::plinth_leveldb when the adapter is built), installed as
# $(libdir)/cmake/plinth/plinthConfig.cmake and its version file.  Written
# by cmake/gen-config.sh from the templates at make time, when the final
# directories and libtool's names for the libraries are known; every path in
# them is relative to the installed file (DESTDIR and moved prefixes work).
# examples/cmake/ is the consumer scripts/test.sh builds against an
# installation.
cmakeconfigdir = $(libdir)/cmake/plinth
cmakeconfig_DATA = cmake/plinthConfig.cmake cmake/plinthConfigVersion.cmake
CLEANFILES += $(cmakeconfig_DATA)
EXTRA_DIST += \
	cmake/gen-config.sh \
	cmake/plinthConfig.cmake.in \
	cmake/plinthConfigVersion.cmake.in \
	examples/cmake/CMakeLists.txt \
	examples/cmake/leveldb_on_plinth.cc

if HAVE_LEVELDB
PL_CMAKE_LAS = libplinth.la compat/leveldb/libplinth_leveldb.la
else
PL_CMAKE_LAS = libplinth.la
endif

PL_CMAKE_GEN = $(AM_V_GEN)$(MKDIR_P) cmake && \
	PL_VERSION='$(PACKAGE_VERSION)' PL_PREFIX='$(prefix)' PL_LIBDIR='$(libdir)' \
	PL_INCLUDEDIR='$(includedir)' PL_BINDIR='$(bindir)' PL_LIBS='$(LIBS)' \
	PL_SIZEOF_VOID_P='$(PL_SIZEOF_VOID_P)' \
	$(SHELL) $(srcdir)/cmake/gen-config.sh

cmake/plinthConfig.cmake: $(srcdir)/cmake/plinthConfig.cmake.in $(srcdir)/cmake/gen-config.sh $(PL_CMAKE_LAS) Makefile
	$(PL_CMAKE_GEN) $(srcdir)/cmake/plinthConfig.cmake.in $(PL_CMAKE_LAS) > $@.tmp && mv $@.tmp $@

cmake/plinthConfigVersion.cmake: $(srcdir)/cmake/plinthConfigVersion.cmake.in $(srcdir)/cmake/gen-config.sh libplinth.la Makefile
	$(PL_CMAKE_GEN) $(srcdir)/cmake/plinthConfigVersion.cmake.in libplinth.la > $@.tmp && mv $@.tmp $@
