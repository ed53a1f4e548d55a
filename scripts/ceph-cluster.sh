#!/usr/bin/env bash
# A single-node Ceph cluster for tests: one monitor, one OSD, optionally
# radosgw, all on 127.0.0.1, everything (configuration, data, logs, sockets,
# pid files) under one directory that `stop` removes.
#
#   scripts/ceph-cluster.sh start DIR     start the cluster (prints its figures)
#   scripts/ceph-cluster.sh stop DIR      stop every daemon and remove DIR
#   scripts/ceph-cluster.sh kill DIR mon|osd|rgw     SIGKILL one daemon
#   scripts/ceph-cluster.sh restart DIR mon|osd|rgw  start it again (same data)
#   scripts/ceph-cluster.sh status DIR    print the cluster's status
#
# Environment (defaults in brackets):
#   CEPH_MON_PORT [3300]   monitor, msgr2;  CEPH_MON_V1_PORT [6789] msgr1
#   CEPH_RGW_PORT [8000]   radosgw's S3 endpoint; CEPH_RGW=0 starts no radosgw
#   CEPH_OBJECTSTORE [memstore]  memstore (in memory: fast, lost when the OSD
#                          dies) or bluestore (a sparse file under DIR: the
#                          OSD can be killed and restarted without data loss)
#   CEPH_POOL [plinth]     the pool created for plinth (size 1)
#   CEPH_TIMEOUT [60]      seconds any one step may take before start fails
#   CEPH_KEEP=1            stop leaves DIR (logs) in place, for a post-mortem
#
# After start: DIR/ceph.conf (librados clients read it), DIR/s3.env (the
# S3 endpoint, bucket and keys as shell assignments), DIR/start.times.
# Nothing outside DIR is written; daemons run in the foreground of their
# own process group and are killed by pid on stop.
set -uo pipefail

die() { printf 'ceph-cluster: error: %s\n' "$*" >&2; exit 1; }
say() { printf 'ceph-cluster: %s\n' "$*" >&2; }

cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || die "usage: $0 start|stop|kill|restart|status DIR [mon|osd|rgw]"
case "$dir" in /*) ;; *) dir=$PWD/$dir ;; esac

MON_PORT=${CEPH_MON_PORT:-3300}
MON_V1_PORT=${CEPH_MON_V1_PORT:-6789}
RGW_PORT=${CEPH_RGW_PORT:-8000}
RGW=${CEPH_RGW:-1}
STORE=${CEPH_OBJECTSTORE:-memstore}
POOL=${CEPH_POOL:-plinth}
TIMEOUT=${CEPH_TIMEOUT:-60}
conf=$dir/ceph.conf
t0=$(date +%s.%N)

elapsed() { awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}'; }

# Runs the ceph CLI against this cluster, bounded in time.
ceph_cli() { timeout "$TIMEOUT" ceph -c "$conf" --connect-timeout "$TIMEOUT" "$@"; }

# Waits (up to TIMEOUT s) until "$@" succeeds.
wait_for() {
  local what=$1 i
  shift
  for ((i = 0; i < TIMEOUT * 10; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  die "$what did not come up within $TIMEOUT s (logs: $dir/log)"
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

write_conf() {
  mkdir -p "$dir"/{mon,osd,run,log,rgw}
  cat >"$conf" <<EOF
# Written by plinth's scripts/ceph-cluster.sh: a one-node test cluster.
[global]
fsid = $(cat /proc/sys/kernel/random/uuid)
mon host = [v2:127.0.0.1:$MON_PORT,v1:127.0.0.1:$MON_V1_PORT]
public network = 127.0.0.0/8
auth cluster required = none
auth service required = none
auth client required = none
keyring = $dir/keyring
run dir = $dir/run
admin socket = $dir/run/\$name.asok
pid file = $dir/run/\$name.pid
log file = $dir/log/\$name.log
crash dir = $dir/crash
exporter sock dir = $dir/run
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon max pg per osd = 1000
mon data avail crit = 1
mon data avail warn = 2
mon warn on pool no redundancy = false
# No manager runs: nothing waits for one.
mon warn on insecure global id reclaim = false
mon warn on insecure global id reclaim allowed = false
# A lost lease or a dead OSD is found within seconds, not the 20 s default.
osd heartbeat grace = 6
ms mon client mode = crc

[mon.a]
mon data = $dir/mon
# Without it the monitor binds the default ports whatever mon host says.
public addrv = [v2:127.0.0.1:$MON_PORT,v1:127.0.0.1:$MON_V1_PORT]
chdir = ""

[osd.0]
osd data = $dir/osd
osd objectstore = $STORE
chdir = ""
osd class load list = *
osd class default list = *
memstore device bytes = 8589934592
bluestore block path = $dir/osd.block
# Sparse: only what is written takes space.  Room for make bench-ceph's
# gigabytes (a full OSD pauses writes, which then time out).
bluestore block size = 34359738368
bluestore block create = true
bluestore cache autotune = false
bluestore cache size = 134217728
osd memory target = 939524096
# Small enough for a test to write past it (rados_test: failed_write_is_sticky).
osd max object size = 33554432
bluestore fsck on mount = false

[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$RGW_PORT
rgw data = $dir/rgw
rgw dns name = 127.0.0.1
rgw enable usage log = false
rgw thread pool size = 64
# Deleted objects' data is collected at once, not after two hours, so
# repeated uploads (make bench-ceph) do not fill the OSD.
rgw gc obj min wait = 0
rgw gc processor period = 10
EOF
  : >"$dir/keyring"
}

start_mon() {
  timeout "$TIMEOUT" ceph-mon -c "$conf" -i a 2>>"$dir/log/daemons.err" || die "ceph-mon did not start (see $dir/log/mon.a.log)"
  wait_for "the monitor" ceph_cli mon stat
}

start_osd() {
  timeout "$TIMEOUT" ceph-osd -c "$conf" -i 0 2>>"$dir/log/daemons.err" || die "ceph-osd did not start (see $dir/log/osd.0.log)"
  wait_for "the OSD" osd_up
}

osd_up() { ceph_cli osd dump 2>/dev/null | grep -q '^osd\.0 up'; }

# A write that the OSD acknowledges: placement groups are active.
rados_probe() { timeout 10 rados -c "$conf" -p "$POOL" put plinth-cluster-probe /dev/null; }

start_rgw() {
  timeout "$TIMEOUT" radosgw -c "$conf" -n client.rgw.a 2>>"$dir/log/daemons.err" || die "radosgw did not start (see $dir/log/client.rgw.a.log)"
  wait_for "radosgw" curl -sf -o /dev/null "http://127.0.0.1:$RGW_PORT/"
}

# Signals the daemons whose pid files are DIR/run/NAME.pid and waits for
# them to end: TERM then, after 10 s, KILL (SIG=KILL kills at once).
kill_daemons() {
  local sig=$1 name pid i alive
  shift
  local -a pids=()
  for name in "$@"; do
    pid=$(cat "$dir/run/$name.pid" 2>/dev/null) || continue
    [ -n "$pid" ] && kill -"$sig" "$pid" 2>/dev/null && pids+=("$pid")
    rm -f "$dir/run/$name.pid"
  done
  for ((i = 0; i < 150; i++)); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ $alive -eq 0 ] && return 0
    [ $i -eq 100 ] && for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null; done
    sleep 0.1
  done
}

daemon_name() {
  case "$1" in
    mon) echo mon.a ;; osd) echo osd.0 ;; rgw) echo client.rgw.a ;;
    *) die "unknown daemon '$1' (mon, osd or rgw)" ;;
  esac
}

do_start() {
  local need
  for need in ceph-mon ceph-osd ceph timeout; do
    command -v "$need" >/dev/null || die "$need is not installed (scripts/install-deps.sh ceph)"
  done
  [ "$RGW" = 0 ] || command -v radosgw >/dev/null || die "radosgw is not installed"
  [ ! -e "$dir/ceph.conf" ] || die "$dir already holds a cluster (stop it first)"
  local p
  for p in "$MON_PORT" "$MON_V1_PORT"; do port_free "$p" || die "port $p is in use (set CEPH_MON_PORT / CEPH_MON_V1_PORT)"; done
  [ "$RGW" = 0 ] || port_free "$RGW_PORT" || die "port $RGW_PORT is in use (set CEPH_RGW_PORT)"
  write_conf
  timeout "$TIMEOUT" ceph-mon -c "$conf" -i a --mkfs >"$dir/log/mkfs-mon.log" 2>&1 || die "ceph-mon --mkfs failed: $(tail -3 "$dir/log/mkfs-mon.log")"
  start_mon
  local t_mon
  t_mon=$(elapsed)
  ceph_cli osd create >/dev/null || die "ceph osd create failed"
  ceph_cli osd crush add osd.0 1 root=default host=localhost >/dev/null 2>&1 || die "ceph osd crush add failed"
  timeout "$TIMEOUT" ceph-osd -c "$conf" -i 0 --mkfs >"$dir/log/mkfs-osd.log" 2>&1 || die "ceph-osd --mkfs failed: $(tail -3 "$dir/log/mkfs-osd.log")"
  start_osd
  local t_osd
  t_osd=$(elapsed)
  ceph_cli osd pool create "$POOL" 8 8 >/dev/null 2>&1 || die "creating pool $POOL failed"
  ceph_cli osd pool set "$POOL" size 1 --yes-i-really-mean-it >/dev/null 2>&1 || true
  # The first write proves placement groups are active.
  wait_for "a first RADOS write" rados_probe
  local t_write
  t_write=$(elapsed)
  local t_rgw=-
  if [ "$RGW" != 0 ]; then
    start_rgw
    local key=plinthaccesskey secret=plinthsecretkey0123456789
    timeout "$TIMEOUT" radosgw-admin -c "$conf" user create --uid=plinth --display-name=plinth \
      --access-key="$key" --secret-key="$secret" >"$dir/log/user.log" 2>&1 || die "radosgw-admin user create failed (see $dir/log/user.log)"
    cat >"$dir/s3.env" <<EOF
PLINTH_S3_ENDPOINT=http://127.0.0.1:$RGW_PORT
PLINTH_S3_REGION=default
PLINTH_S3_ACCESS_KEY=$key
PLINTH_S3_SECRET_KEY=$secret
EOF
    t_rgw=$(elapsed)
  fi
  printf 'monitor %s s, osd %s s, first write %s s, radosgw %s s\n' "$t_mon" "$t_osd" "$t_write" "$t_rgw" >"$dir/start.times"
  say "up in $(elapsed) s ($STORE; $(cat "$dir/start.times")); conf: $conf"
}

do_stop() {
  [ -d "$dir" ] || return 0
  [ -f "$dir/ceph.conf" ] || [ -d "$dir/run" ] || die "$dir does not look like a cluster directory; not removing it"
  kill_daemons TERM client.rgw.a osd.0 mon.a
  [ -n "${CEPH_KEEP:-}" ] || rm -rf "$dir"
}

case "$cmd" in
  start)
    # A failed start leaves nothing running.
    trap 'rc=$?; [ $rc -eq 0 ] || { say "start failed; stopping what started"; do_stop; }' EXIT
    do_start
    trap - EXIT
    ;;
  stop) do_stop ;;
  kill)
    name=$(daemon_name "${3:-}")
    kill_daemons KILL "$name"
    ;;
  restart)
    case "${3:-}" in
      mon) start_mon ;; osd) start_osd; wait_for "the restarted OSD" rados_probe ;; rgw) start_rgw ;; *) daemon_name "${3:-}" >/dev/null ;;
    esac
    ;;
  status) ceph_cli -s ;;
  *) die "unknown command '$cmd'" ;;
esac
