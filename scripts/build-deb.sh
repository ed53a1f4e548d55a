#!/usr/bin/env bash
# Builds plinth's Debian packages (libplinth0, libplinth-dev, plinth-tools)
# the way a packager would: from a `make dist` tarball, unpacked, with the
# tarball's packaging/debian copied in as debian/, by
# `dpkg-buildpackage -us -uc -b`; then runs lintian on the result.
#
#   scripts/build-deb.sh OUTDIR [TARBALL]
#
# Without TARBALL, one is made with `make dist` (in the source directory if
# it is configured in place, else in OUTDIR/dist, configured from it).
# Leaves in OUTDIR: the .deb files, the .changes file, build.log and
# lintian.txt.  Exits non-zero if the build fails or lintian reports an
# error (warnings are printed, not fatal).
#
# DEB_BUILD_OPTIONS defaults to "nocheck parallel=2": the unit tests run in
# scripts/test.sh's other stages; set it to "parallel=2" to run them here too.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: scripts/build-deb.sh OUTDIR [TARBALL]}
tarball=${2:-}
say() { echo "build-deb: $*"; }
die() { echo "build-deb: error: $*" >&2; exit 1; }

"$top/scripts/install-deps.sh" deb

mkdir -p "$out"
out=$(cd "$out" && pwd)
if [ -z "$tarball" ]; then
  dist=$top
  if [ ! -f "$top/Makefile" ]; then
    [ -x "$top/configure" ] || (cd "$top" && ./autogen.sh >/dev/null 2>&1) || die "autogen failed"
    dist=$out/dist
    mkdir -p "$dist"
    [ -f "$dist/Makefile" ] || (cd "$dist" && "$top/configure" -q >/dev/null) || die "configure failed"
  fi
  make -s -C "$dist" dist >/dev/null || die "make dist failed"
  tarball=$dist/plinth-$(sed -n 's/^VERSION = //p' "$dist/Makefile").tar.gz
fi
[ -f "$tarball" ] || die "no tarball $tarball"
tarball=$(cd "$(dirname "$tarball")" && pwd)/$(basename "$tarball")
name=$(basename "$tarball" .tar.gz)
version=${name#plinth-}

# A fresh tree: the tarball as Debian's orig tarball, unpacked, debian/ in.
rm -rf "${out:?}/$name" "$out"/plinth_* "$out"/*.deb "$out"/*.changes "$out"/*.buildinfo
cp "$tarball" "$out/plinth_$version.orig.tar.gz"
tar -C "$out" -xzf "$tarball"
src=$out/$name
[ -d "$src/packaging/debian" ] || die "$tarball has no packaging/debian"
cp -a "$src/packaging/debian" "$src/debian"

# The packages carry configure.ac's version.  debian/changelog names it in
# its latest entry; if the tarball is newer than that entry, a snapshot
# entry is added to this build's copy (and said so) rather than building
# the package under the wrong version.
deb_upstream=$(cd "$src" && dpkg-parsechangelog -S Version | sed 's/-[^-]*$//')
if [ "$deb_upstream" != "$version" ]; then
  say "warning: packaging/debian/changelog's latest entry is $deb_upstream, the sources are $version; building $version-0~snapshot1 (add a changelog entry)"
  maint=$(cd "$src" && dpkg-parsechangelog -S Maintainer)
  { printf 'plinth (%s-0~snapshot1) UNRELEASED; urgency=medium\n\n' "$version"
    printf '  * Snapshot of %s, built by scripts/build-deb.sh.\n\n' "$version"
    printf ' -- %s  %s\n\n' "$maint" "$(date -R)"
    cat "$src/debian/changelog"; } > "$src/debian/changelog.new"
  mv "$src/debian/changelog.new" "$src/debian/changelog"
fi

say "dpkg-buildpackage -us -uc -b in $src (log: $out/build.log)"
export DEB_BUILD_OPTIONS=${DEB_BUILD_OPTIONS:-nocheck parallel=2}
profiles=()
case " $DEB_BUILD_OPTIONS " in *" nocheck "*) profiles=(-Pnocheck) ;; esac
(cd "$src" && dpkg-buildpackage -us -uc -b "${profiles[@]}") >"$out/build.log" 2>&1 || {
  tail -n 40 "$out/build.log"
  grep -q 'dpkg-gensymbols' "$out/build.log" &&
    echo "build-deb: the library's symbols differ from packaging/debian/libplinth0.symbols: run packaging/gen-symbols.sh" >&2
  die "dpkg-buildpackage failed"
}
changes=$(ls "$out"/plinth_*.changes)
debs=("$out"/*.deb)
say "built: ${debs[*]##*/}"

# lintian: errors fail, warnings are shown.  (As root it would say so
# first; --allow-root keeps that out of the report.)
set +e
lintian --allow-root --fail-on error --display-level '>=warning' "$changes" >"$out/lintian.txt" 2>&1
rc=$?
set -e
if [ -s "$out/lintian.txt" ]; then
  say "lintian:"
  sed 's/^/  /' "$out/lintian.txt"
else
  say "lintian: no errors, no warnings"
fi
[ $rc -eq 0 ] || die "lintian reports errors"
