#!/usr/bin/env bash
# Installs what building and testing plinth needs on a fresh Debian machine.
# Usage: scripts/install-deps.sh [core|windows|leveldb|bench|programs|deb|fuzz|coverage|report|ceph|all]...
# Each group is installed only if something in it is missing, so a second run
# costs a few dpkg queries and no network.
set -euo pipefail

core=(autoconf automake libtool pkg-config check make gcc valgrind cmake libzstd-dev)
windows=(mingw-w64 wine wine64 dpkg-dev)
leveldb=(g++ cmake libgtest-dev libgmock-dev libbenchmark-dev libleveldb-dev libsnappy-dev dpkg-dev quilt)
bench=(g++ libleveldb-dev gnuplot-nox)
# make crash-programs: the programs recorded at the system-call level, the
# static C library for the -static build, python3 for the summaries, and
# what db_bench's build needs (LevelDB's sources: deb-src, dpkg-dev, cmake).
programs=(g++ libleveldb-dev libc6-dev sqlite3 git python3 binutils cmake dpkg-dev quilt libsnappy-dev)
# Debian packages: scripts/build-deb.sh (dpkg-checkbuilddeps wants
# build-essential itself; pkgconf and check are packaging/debian's
# Build-Depends).
deb=(build-essential debhelper dpkg-dev lintian pkgconf check)
fuzz=(clang libclang-rt-14-dev)
coverage=(gcovr)
report=(chromium python3)
# A one-node Ceph cluster (monitor, memstore/bluestore OSD, radosgw), the
# librados headers for the RADOS env and libcurl for the S3 sink.
ceph=(ceph-mon ceph-osd ceph-common radosgw librados-dev libcurl4-openssl-dev curl)

want=()
for group in "${@:-core}"; do
  case "$group" in
    core) want+=("${core[@]}") ;;
    windows) want+=("${core[@]}" "${windows[@]}") ;;
    leveldb) want+=("${core[@]}" "${leveldb[@]}") ;;
    bench) want+=("${core[@]}" "${bench[@]}") ;;
    programs) want+=("${core[@]}" "${programs[@]}") ;;
    deb) want+=("${core[@]}" "${deb[@]}") ;;
    fuzz) want+=("${core[@]}" "${fuzz[@]}") ;;
    coverage) want+=("${core[@]}" "${coverage[@]}") ;;
    report) want+=("${core[@]}" "${report[@]}") ;;
    ceph) want+=("${core[@]}" "${ceph[@]}") ;;
    all) want+=("${core[@]}" "${windows[@]}" "${leveldb[@]}" "${bench[@]}" "${programs[@]}" "${deb[@]}" "${fuzz[@]}" "${coverage[@]}" "${report[@]}" "${ceph[@]}") ;;
    *) echo "install-deps: unknown group '$group'" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "install-deps: installing ${missing[*]}" >&2
# Some machines carry third-party apt sources that are unreachable; a failed
# fetch of those must not stop Debian's own packages from installing.
$sudo apt-get update -qq || true
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
