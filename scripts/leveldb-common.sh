# Shared by scripts/check-leveldb.sh and scripts/bench-leveldb.sh (sourced,
# not run): fetch Debian's LevelDB 1.23 sources once, build plinth
# statically, and build LevelDB with plinth's Env or with its own.
#
# Inputs (environment):
#   PLINTH_SRCDIR    plinth's source tree (default: this script's parent)
#   PLINTH_BUILDDIR  where the work tree goes (default: the current directory);
#                    everything is built under $PLINTH_BUILDDIR/compat/leveldb/work
#   PLINTH_SOURCE_COPY  a clean copy of plinth's sources to configure the
#                    static plinth from (make check-leveldb / bench-leveldb
#                    make one); default: PLINTH_SRCDIR, which must then not
#                    be configured in place
#   PLINTH_CACHE_DIR where the fetched LevelDB sources are kept between runs
#                    (default: ${XDG_CACHE_HOME:-$HOME/.cache}/plinth)
#   JOBS             parallel build jobs (default 2)

PLINTH_SRCDIR=${PLINTH_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
PLINTH_BUILDDIR=${PLINTH_BUILDDIR:-$PWD}
PLINTH_CACHE_DIR=${PLINTH_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/plinth}
JOBS=${JOBS:-2}
LDB_WORK=$PLINTH_BUILDDIR/compat/leveldb/work
LDB_CACHE=$PLINTH_CACHE_DIR/leveldb-source
LDB_PATCH=$PLINTH_SRCDIR/compat/leveldb/leveldb-cmake.patch
LDB_ADAPTER_SOURCES="$PLINTH_SRCDIR/compat/leveldb/plinth_leveldb_env.cc;$PLINTH_SRCDIR/compat/leveldb/env_default.cc"

ldb_say() { printf '%s: %s\n' "${LDB_NAME:-leveldb}" "$*"; }
ldb_die() { printf '%s: error: %s\n' "${LDB_NAME:-leveldb}" "$*" >&2; exit 1; }

# True if the plinth build tree DIR was configured with the RADOS env.
ldb_has_rados() { grep -q '^S\["HAVE_RADOS_TRUE"\]=""' "$1/config.status" 2>/dev/null; }

ldb_sudo() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Adds a bookworm deb-src entry (its own file, same URI and keyring as the
# machine's Debian deb entry) unless some deb-src entry already exists.
ldb_ensure_deb_src() {
  local f uri keyring
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] && grep -Eq '^[[:space:]]*deb-src[[:space:]]' "$f" && return 0
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] && grep -Eiq '^Types:.*deb-src' "$f" && return 0
  done
  uri=http://deb.debian.org/debian
  keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  f=/etc/apt/sources.list.d/debian.sources
  if [ -f "$f" ]; then
    # The first stanza whose URI is the main archive (not -security).
    local u k
    u=$(awk 'tolower($1)=="uris:" && $2 !~ /security/ {print $2; exit}' "$f")
    k=$(awk 'tolower($1)=="signed-by:" {print $2; exit}' "$f")
    [ -n "$u" ] && uri=$u
    [ -n "$k" ] && keyring=$k
  fi
  ldb_say "adding deb-src entry for bookworm ($uri) in /etc/apt/sources.list.d/plinth-deb-src.sources"
  ldb_sudo tee /etc/apt/sources.list.d/plinth-deb-src.sources >/dev/null <<EOF
# Added by plinth's scripts/leveldb-common.sh: LevelDB's tests are built from
# Debian's source package.
Types: deb-src
URIs: $uri
Suites: bookworm
Components: main
Signed-By: $keyring
EOF
  LDB_NEED_UPDATE=1
}

# Leaves Debian's LevelDB 1.23 sources, with every Debian patch applied, in
# $LDB_SRC.  Fetched once; later runs reuse the cache.
ldb_fetch_source() {
  LDB_SRC=$LDB_CACHE/leveldb-1.23
  if [ ! -f "$LDB_SRC/.plinth-ready" ]; then
    LDB_NEED_UPDATE=0
    ldb_ensure_deb_src
    # Third-party sources on some machines are unreachable; Debian's own
    # indexes are what matters here.
    ldb_sudo apt-get update -qq || true
    rm -rf "$LDB_CACHE"
    mkdir -p "$LDB_CACHE"
    ldb_say "apt-get source leveldb (into $LDB_CACHE)"
    # As root apt warns that it downloads unsandboxed; that is expected.
    (cd "$LDB_CACHE" && apt-get source -qq leveldb >/dev/null 2>"$LDB_CACHE/apt-source.log") ||
      { cat "$LDB_CACHE/apt-source.log" >&2; ldb_die "apt-get source leveldb failed"; }
    [ -d "$LDB_SRC" ] || ldb_die "apt-get source did not give leveldb-1.23 (got: $(ls "$LDB_CACHE"))"
    # dpkg-source applies the series while unpacking; apply whatever it did
    # not (e.g. when unpacked with --skip-patches).
    local series=$LDB_SRC/debian/patches/series
    if [ -f "$series" ]; then
      local p
      while read -r p; do
        case "$p" in ''|'#'*) continue ;; esac
        if ! grep -qxF "$p" "$LDB_SRC/.pc/applied-patches" 2>/dev/null; then
          ldb_say "applying Debian patch $p"
          (cd "$LDB_SRC" && QUILT_PATCHES=debian/patches quilt push -q "$p" >/dev/null) ||
            ldb_die "Debian patch $p does not apply"
        fi
      done < "$series"
    fi
    touch "$LDB_SRC/.plinth-ready"
  fi
  ldb_say "LevelDB sources: $LDB_SRC (Debian patches applied: $(tr '\n' ' ' < "$LDB_SRC/.pc/applied-patches"))"
}

# Copies the cached sources to $LDB_WORK/src and applies plinth's CMake
# patch.  Redone only when the patch changes, so rebuilds stay incremental.
ldb_prepare_tree() {
  local stamp
  stamp=$(sha256sum "$LDB_PATCH" | cut -d' ' -f1)
  LDB_TREE=$LDB_WORK/src
  if [ "$(cat "$LDB_TREE/.plinth-patch" 2>/dev/null)" != "$stamp" ]; then
    rm -rf "$LDB_TREE"
    mkdir -p "$LDB_WORK"
    cp -a "$LDB_SRC" "$LDB_TREE"
    (cd "$LDB_TREE" && patch -p1 -s < "$LDB_PATCH") || ldb_die "plinth's CMake patch does not apply"
    echo "$stamp" > "$LDB_TREE/.plinth-patch"
  fi
}

# Builds plinth as a static library (optimised, position independent) from
# the checkout, independent of how the surrounding build tree was configured
# (sanitizers, shared only).  Sets PLINTH_STATIC_LIB.
ldb_build_plinth() {
  local dir=$LDB_WORK/plinth src=${PLINTH_SOURCE_COPY:-$PLINTH_SRCDIR}
  [ -x "$src/configure" ] || ldb_die "run ./autogen.sh in $src first"
  # configure refuses to build a source directory configured in place
  # anywhere else; the make targets hand over a clean copy instead.
  [ -f "$src/config.status" ] &&
    ldb_die "$src is configured in place: run this as make $LDB_NAME, which builds from a clean copy of the sources"
  # A build directory configured from other sources (an older layout, another
  # copy) is started afresh: its dependency files name the old ones.
  if [ "$(cat "$dir/.plinth-srcdir" 2>/dev/null)" != "$src" ]; then
    rm -rf "$dir"
  fi
  mkdir -p "$dir"
  if [ ! -f "$dir/config.status" ]; then
    ldb_say "configuring a static plinth in $dir (sources: $src)"
    (cd "$dir" && "$src/configure" -q --disable-shared --enable-static --with-pic \
        CFLAGS="-O2 -g" >/dev/null) || ldb_die "configure of plinth failed (see $dir/config.log)"
    echo "$src" > "$dir/.plinth-srcdir"
  fi
  make -s -C "$dir" -j"$JOBS" libplinth.la >/dev/null || ldb_die "building libplinth.a failed"
  PLINTH_STATIC_LIB=$dir/.libs/libplinth.a
  [ -f "$PLINTH_STATIC_LIB" ] || ldb_die "no $PLINTH_STATIC_LIB"
  # The RADOS env too, where librados is installed (configure rechecked
  # if librados arrived after this tree was configured).
  PLINTH_RADOS_STATIC_LIB=
  if [ -f /usr/include/rados/librados.h ]; then
    if ! ldb_has_rados "$dir"; then
      (cd "$dir" && ./config.status --recheck >/dev/null && ./config.status >/dev/null) ||
        ldb_die "reconfiguring plinth with librados failed"
    fi
    make -s -C "$dir" -j"$JOBS" env/rados/libplinth_rados.la >/dev/null || ldb_die "building libplinth_rados.a failed"
    PLINTH_RADOS_STATIC_LIB=$dir/env/rados/.libs/libplinth_rados.a
  fi
}

# With LDB_PLINTH_ONLY set, a run stops once the static plinth is built:
# the step that needs a clean copy of the sources, without LevelDB
# (scripts/test.sh's intree stage proves it from a tree configured in place).
ldb_stop_if_plinth_only() {
  if [ -n "${LDB_PLINTH_ONLY:-}" ]; then
    ldb_say "LDB_PLINTH_ONLY: built $PLINTH_STATIC_LIB; stopping before LevelDB"
    exit 0
  fi
}

# ldb_build KIND: builds LevelDB (tests and benchmarks) in $LDB_WORK/build-KIND,
# KIND = plinth (the adapter in place of util/env_posix.cc), rados (the
# adapter over the RADOS env, compat/leveldb/env_default_rados.cc) or stock.
ldb_build() {
  local kind=$1 dir=$LDB_WORK/build-$1
  local -a args=(-DCMAKE_BUILD_TYPE=Release -DLEVELDB_BUILD_TESTS=ON -DLEVELDB_BUILD_BENCHMARKS=ON)
  if [ "$kind" = plinth ]; then
    args+=("-DPLINTH_ENV_SOURCES=$LDB_ADAPTER_SOURCES"
           "-DPLINTH_INCLUDE_DIRS=$PLINTH_SRCDIR/include;$PLINTH_SRCDIR/compat/leveldb"
           "-DPLINTH_LIBRARIES=$PLINTH_STATIC_LIB;pthread")
  elif [ "$kind" = rados ]; then
    [ -n "${PLINTH_RADOS_STATIC_LIB:-}" ] || ldb_die "no RADOS env built (librados-dev missing?)"
    args+=("-DPLINTH_ENV_SOURCES=$PLINTH_SRCDIR/compat/leveldb/plinth_leveldb_env.cc;$PLINTH_SRCDIR/compat/leveldb/env_default_rados.cc"
           "-DPLINTH_INCLUDE_DIRS=$PLINTH_SRCDIR/include;$PLINTH_SRCDIR/compat/leveldb"
           "-DPLINTH_LIBRARIES=$PLINTH_RADOS_STATIC_LIB;$PLINTH_STATIC_LIB;rados;pthread")
  fi
  mkdir -p "$dir"
  ldb_say "building LevelDB ($kind env) in $dir"
  (cd "$dir" && cmake -S "$LDB_TREE" -B . "${args[@]}" >cmake.log 2>&1) ||
    { tail -20 "$dir/cmake.log" >&2; ldb_die "cmake ($kind) failed; see $dir/cmake.log"; }
  cmake --build "$dir" -j "$JOBS" >"$dir/build.log" 2>&1 ||
    { grep -E 'error|Error' "$dir/build.log" | head -20 >&2; ldb_die "LevelDB build ($kind) failed; see $dir/build.log"; }
}

# ldb_build_db_bench: builds stock LevelDB's db_bench alone (Release, no
# tests) in $LDB_WORK/build-stock-bench; sets LDB_DB_BENCH.
ldb_build_db_bench() {
  local dir=$LDB_WORK/build-stock-bench
  mkdir -p "$dir"
  ldb_say "building stock LevelDB's db_bench in $dir"
  (cd "$dir" && cmake -S "$LDB_TREE" -B . -DCMAKE_BUILD_TYPE=Release -DLEVELDB_BUILD_TESTS=OFF \
      -DLEVELDB_BUILD_BENCHMARKS=ON >cmake.log 2>&1) ||
    { tail -20 "$dir/cmake.log" >&2; ldb_die "cmake (db_bench) failed; see $dir/cmake.log"; }
  cmake --build "$dir" -j "$JOBS" --target db_bench >"$dir/build.log" 2>&1 ||
    { grep -E 'error|Error' "$dir/build.log" | head -20 >&2; ldb_die "db_bench build failed; see $dir/build.log"; }
  LDB_DB_BENCH=$dir/db_bench
}
