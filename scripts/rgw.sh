#!/usr/bin/env bash
# A throw-away single-node Ceph RADOS Gateway for tests: one monitor, one
# memstore OSD (data in RAM, capped), radosgw on the beast frontend, one S3
# user. No systemd, no ceph-mgr, no auth between daemons. Needs the Debian
# packages ceph-mon ceph-osd radosgw.
#
#   scripts/rgw.sh start [--conf 'key = value']... [--watch]
#       Starts the cluster (or finds it running) and prints the env lines.
#       --conf adds a ceph.conf line under [global] (e.g. 'rgw lc debug
#       interval = 10' for fast lifecycle); a running cluster started with
#       different lines is an error, not silently reused.
#       --watch: stop the cluster by itself once no process registered under
#       $RGW_DIR/users/<pid> has been alive for RGW_IDLE_SECONDS (test helpers
#       register themselves there).
#   scripts/rgw.sh stop      Stops every daemon and wipes the data directory.
#   scripts/rgw.sh env       Prints RGW_ENDPOINT, RGW_ACCESS_KEY_ID,
#                            RGW_SECRET_ACCESS_KEY, RGW_REGION as export lines.
#   scripts/rgw.sh restart-gateway   Kills radosgw (SIGKILL) and starts it again
#                            on the same port (fault tests); the data survives.
#   scripts/rgw.sh kill-gateway / start-gateway   The two halves of the above.
#   scripts/rgw.sh status    Exit 0 when the gateway answers, 1 otherwise.
#
# Environment: RGW_DIR (state directory; default one per user and checkout, so
# separate checkouts never share or stop each other's cluster), RGW_MEMSTORE_BYTES
# (RAM cap of the OSD, default 2 GiB), RGW_IDLE_SECONDS (default 20).
#
# Why the unusual settings: `ms mon client mode = crc secure` because without it
# radosgw cannot reach the monitor when auth is off and retries forever with no
# output; `paxos propose interval = 0.1` because radosgw creates its 7 pools one
# after another and each waits for a paxos round (start-up 15 s -> 3 s).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
checkout_id=$(printf '%s' "$here" | cksum | cut -d' ' -f1)
DIR=${RGW_DIR:-${TMPDIR:-/tmp}/dg-rgw-$(id -u)-$checkout_id}
LOCK="$DIR.lock"
MEMSTORE_BYTES=${RGW_MEMSTORE_BYTES:-2147483648}
IDLE_SECONDS=${RGW_IDLE_SECONDS:-20}
ACCESS_KEY=deltaglider
SECRET_KEY=deltaglider-rgw-secret
REGION=us-east-1
START_TIMEOUT_SECONDS=90

die() { echo "rgw.sh: $*" >&2; exit 1; }

free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

pid_alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }
pid_of() { cat "$DIR/run/$1.pid" 2>/dev/null || true; }

gateway_answers() {
  local port
  port=$(cat "$DIR/rgw.port" 2>/dev/null) || return 1
  # Any HTTP answer (to an anonymous ListBuckets) proves beast is serving;
  # bash's /dev/tcp, so the check needs no curl on a bare CI machine.
  timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && printf "GET / HTTP/1.0\r\n\r\n" >&3 && head -c 5 <&3 | grep -q HTTP/' _ "$port" 2>/dev/null
}

print_env() {
  local port
  port=$(cat "$DIR/rgw.port")
  echo "export RGW_ENDPOINT=http://127.0.0.1:$port"
  echo "export RGW_ACCESS_KEY_ID=$ACCESS_KEY"
  echo "export RGW_SECRET_ACCESS_KEY=$SECRET_KEY"
  echo "export RGW_REGION=$REGION"
  echo "export RGW_DIR=$DIR"
}

running() {
  [ -f "$DIR/ready" ] && pid_alive "$(pid_of mon.a)" && pid_alive "$(pid_of osd.0)" && pid_alive "$(pid_of client.rgw)"
}

stop_daemon() {
  local pid
  pid=$(pid_of "$1")
  pid_alive "$pid" || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do pid_alive "$pid" || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}

do_stop() {
  [ -d "$DIR" ] || return 0
  # The watchdog first, so it does not race this stop.
  local wd
  wd=$(cat "$DIR/watchdog.pid" 2>/dev/null || true)
  if pid_alive "$wd" && [ "$wd" != "$$" ]; then kill "$wd" 2>/dev/null || true; fi
  stop_daemon client.rgw
  stop_daemon osd.0
  stop_daemon mon.a
  rm -rf "$DIR"
}

start_gateway() {
  local port
  port=$(cat "$DIR/rgw.port")
  radosgw -c "$DIR/ceph.conf" -n client.rgw 9>&- 2>>"$DIR/log/start.log"
  local gone=0
  for _ in $(seq 1 $((START_TIMEOUT_SECONDS * 10))); do
    gateway_answers && return 0
    # radosgw forks: its pid file can name the exiting parent for a moment, so only a pid
    # that stays dead for 3 s means the gateway exited.
    if pid_alive "$(pid_of client.rgw)" || [ ! -f "$DIR/run/client.rgw.pid" ]; then gone=0; else gone=$((gone + 1)); fi
    [ $gone -lt 30 ] || die "radosgw exited; see $DIR/log/client.rgw.log"
    sleep 0.1
  done
  die "radosgw did not answer on port $port within ${START_TIMEOUT_SECONDS}s; see $DIR/log/"
}

kill_gateway() {
  local pid
  pid=$(pid_of client.rgw)
  pid_alive "$pid" || return 0
  kill -9 "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do pid_alive "$pid" || break; sleep 0.1; done
  rm -f "$DIR/run/client.rgw.pid"
}

do_start() {
  local extra="$1" watch="$2"
  if [ -d "$DIR" ]; then
    if running && gateway_answers; then
      [ "$extra" = "$(cat "$DIR/extra.conf")" ] \
        || die "an RGW is running in $DIR with other ceph.conf lines; stop it first or set RGW_DIR"
      return 0
    fi
    do_stop   # half-started or crashed: start over from nothing
  fi
  for b in ceph-mon ceph-osd radosgw radosgw-admin monmaptool ceph; do
    command -v "$b" >/dev/null || die "$b not found (apt-get install ceph-mon ceph-osd radosgw)"
  done
  mkdir -p "$DIR"/{run,log,mon,osd,users}
  printf '%s' "$extra" > "$DIR/extra.conf"
  local fsid mon_port rgw_port
  fsid=$(uuidgen 2>/dev/null || cat /proc/sys/kernel/random/uuid)
  mon_port=$(free_port)
  rgw_port=$(free_port)
  echo "$rgw_port" > "$DIR/rgw.port"
  cat > "$DIR/ceph.conf" <<EOF
[global]
fsid = $fsid
mon initial members = a
mon host = v2:127.0.0.1:$mon_port
public network = 127.0.0.0/8
auth cluster required = none
auth service required = none
auth client required = none
auth allow insecure global id reclaim = true
ms mon client mode = crc secure
paxos propose interval = 0.1
run dir = $DIR/run
pid file = $DIR/run/\$name.pid
admin socket = $DIR/run/\$name.asok
log file = $DIR/log/\$name.log
mon data = $DIR/mon/\$name
osd data = $DIR/osd/\$name
keyring = $DIR/keyring
mon allow pool delete = true
mon warn on pool no redundancy = false
mon max pg per osd = 1000
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
osd objectstore = memstore
memstore device bytes = $MEMSTORE_BYTES
osd memory target = 1073741824
[client.rgw]
rgw frontends = beast endpoint=127.0.0.1:$rgw_port
rgw data = $DIR/rgw
# Bucket names here are short-lived test names; keep the default 3-63 rule.
$extra
EOF
  local conf="$DIR/ceph.conf"
  monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$mon_port]" "$DIR/monmap" >/dev/null
  ceph-mon -c "$conf" --mkfs -i a --monmap "$DIR/monmap" >/dev/null 2>&1 || die "ceph-mon --mkfs failed"
  # 9>&-: a daemon must not inherit the start lock, or it holds it forever.
  ceph-mon -c "$conf" -i a 9>&- 2>>"$DIR/log/start.log"
  local osd_id
  osd_id=$(ceph -c "$conf" --connect-timeout 30 osd create) || die "ceph osd create failed; see $DIR/log/mon.a.log"
  [ "$osd_id" = 0 ] || die "unexpected OSD id $osd_id"
  mkdir -p "$DIR/osd/osd.0"
  ceph-osd -c "$conf" -i 0 --mkfs >/dev/null 2>&1 || die "ceph-osd --mkfs failed"
  ceph-osd -c "$conf" -i 0 9>&- 2>>"$DIR/log/start.log"
  start_gateway
  radosgw-admin -c "$conf" user create --uid=deltaglider --display-name=deltaglider \
    --access-key="$ACCESS_KEY" --secret="$SECRET_KEY" >/dev/null 2>&1 || die "radosgw-admin user create failed"
  touch "$DIR/ready"
  if [ "$watch" = 1 ]; then start_watchdog; fi
}

# Stops the cluster once no registered user process has been alive for
# IDLE_SECONDS, so helper-started clusters never outlive the test run.
start_watchdog() {
  setsid bash -c '
    dir=$1; idle=$2; script=$3; quiet=0
    echo $$ > "$dir/watchdog.pid"
    while [ -d "$dir" ]; do
      alive=0
      for f in "$dir"/users/*; do
        [ -e "$f" ] || continue
        p=$(basename "$f")
        if kill -0 "$p" 2>/dev/null; then alive=1; else rm -f "$f"; fi
      done
      if [ $alive = 1 ]; then quiet=0; else quiet=$((quiet + 1)); fi
      if [ $quiet -ge $idle ]; then rm -f "$dir/watchdog.pid"; RGW_DIR=$dir "$script" stop; exit 0; fi
      sleep 1
    done' rgw-watchdog "$DIR" "$IDLE_SECONDS" "$here/rgw.sh" </dev/null >/dev/null 2>&1 9>&- &
}

cmd=${1:-}
shift || true
case "$cmd" in
  start)
    extra=""; watch=0
    while [ $# -gt 0 ]; do
      case "$1" in
        --conf) extra+="$2"$'\n'; shift 2 ;;
        --watch) watch=1; shift ;;
        *) die "unknown option $1" ;;
      esac
    done
    exec 9>"$LOCK"
    flock 9
    do_start "$extra" "$watch"
    print_env
    ;;
  stop)
    exec 9>"$LOCK"
    flock 9
    do_stop
    ;;
  env)
    running || die "no RGW running in $DIR (scripts/rgw.sh start)"
    print_env
    ;;
  status)
    running && gateway_answers
    ;;
  kill-gateway)
    [ -d "$DIR" ] || die "no RGW in $DIR"
    kill_gateway
    ;;
  start-gateway)
    [ -d "$DIR" ] || die "no RGW in $DIR"
    pid_alive "$(pid_of client.rgw)" || start_gateway
    ;;
  restart-gateway)
    [ -d "$DIR" ] || die "no RGW in $DIR"
    kill_gateway
    start_gateway
    ;;
  *)
    sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
