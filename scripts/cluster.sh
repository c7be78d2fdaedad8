#!/usr/bin/env bash
# The whole cluster on this machine, no Docker: PostgreSQL and Redis as local processes
# (data under the data folder), auth, userdata, router and N gateways, a demo account.
#
#   scripts/cluster.sh run     [options]   install + build what is missing, start, wait for Ctrl-C
#   scripts/cluster.sh start   [options]   the same, detached: returns once everything is ready
#   scripts/cluster.sh stop    [options]   stop a detached cluster
#   scripts/cluster.sh status  [options]
#   scripts/cluster.sh rolling-restart [options]   restart every gateway of a running cluster,
#                                        one after the other (docs/deployment.md)
#
# Options (or environment variables):
#   --data-dir DIR     XMPP_DATA_DIR     default ./var/cluster
#   --gateways N       XMPP_GATEWAYS     default 2
#   --routers N        XMPP_ROUTERS      default 1 (at most 5): router i listens on B+4+i;
#                                        its ops endpoint is B+12 (router 0), or after the
#                                        gateways' (router i >= 1: B+12+GATEWAYS+i)
#   --c2s-port P       XMPP_C2S_PORT     default 5222: gateway i listens on P+10i (STARTTLS)
#                                        and P+10i+1 (direct TLS)
#   --port-base B      XMPP_PORT_BASE    default 15400: PostgreSQL B, Redis B+1, auth B+2,
#                                        userdata B+3, router B+4, ops endpoints B+10...
#   --domain D         XMPP_DOMAIN       default localhost
#   --build-dir DIR    XMPP_BUILD_DIR    default ./build/default
#   --no-build         XMPP_NO_BUILD=1   use the binaries as they are
#   --demo-password S  XMPP_DEMO_PASSWORD default demo-password (account "demo")
# Extra service flags: XMPP_GATEWAY_ARGS, XMPP_ROUTER_ARGS, XMPP_AUTH_ARGS, XMPP_USERDATA_ARGS.
# The gateways run with GLIBC_TUNABLES=$XMPP_GATEWAY_GLIBC_TUNABLES (default
# glibc.malloc.tcache_count=0; set it empty for glibc's defaults).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cmd=${1:-run}
[ $# -gt 0 ] && shift
DATA=${XMPP_DATA_DIR:-$ROOT/var/cluster}
GATEWAYS=${XMPP_GATEWAYS:-2}
ROUTERS=${XMPP_ROUTERS:-1}
C2S_PORT=${XMPP_C2S_PORT:-5222}
BASE=${XMPP_PORT_BASE:-15400}
DOMAIN=${XMPP_DOMAIN:-localhost}
BUILD=${XMPP_BUILD_DIR:-$ROOT/build/default}
NO_BUILD=${XMPP_NO_BUILD:-0}
DEMO_PASSWORD=${XMPP_DEMO_PASSWORD:-demo-password}
while [ $# -gt 0 ]; do
  case $1 in
    --data-dir) DATA=$2; shift 2 ;;
    --gateways) GATEWAYS=$2; shift 2 ;;
    --routers) ROUTERS=$2; shift 2 ;;
    --c2s-port) C2S_PORT=$2; shift 2 ;;
    --port-base) BASE=$2; shift 2 ;;
    --domain) DOMAIN=$2; shift 2 ;;
    --build-dir) BUILD=$2; shift 2 ;;
    --no-build) NO_BUILD=1; shift ;;
    --demo-password) DEMO_PASSWORD=$2; shift 2 ;;
    *) echo "cluster.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$DATA"
DATA=$(cd "$DATA" && pwd)
PG_PORT=$BASE; REDIS_PORT=$((BASE + 1)); AUTH_PORT=$((BASE + 2)); USERDATA_PORT=$((BASE + 3))
ROUTER_PORT=$((BASE + 4)); OPS=$((BASE + 10))
[ "$ROUTERS" -ge 1 ] && [ "$ROUTERS" -le 5 ] || { echo "cluster.sh: 1 to 5 routers" >&2; exit 2; }
router_name() { if [ "$1" = 0 ]; then echo router; else echo "router-$1"; fi; }
router_ops() { if [ "$1" = 0 ]; then echo $((OPS + 2)); else echo $((OPS + 2 + GATEWAYS + $1)); fi; }
ROUTER_ADDRESSES=$(for r in $(seq 0 $((ROUTERS - 1))); do printf '127.0.0.1:%s,' $((ROUTER_PORT + r)); done)
ROUTER_ADDRESSES=${ROUTER_ADDRESSES%,}
DB_URL="host=127.0.0.1 port=$PG_PORT user=xmpp dbname=xmpp connect_timeout=2"

log() { echo "cluster: $*"; }

wait_for_line() {  # file pattern seconds [pidfile]: fails early when that process has died
  local deadline=$((SECONDS + $3))
  while [ $SECONDS -lt $deadline ]; do
    grep -q "$2" "$1" 2>/dev/null && return 0
    if [ -n "${4:-}" ] && ! kill -0 "$(cat "$4" 2>/dev/null)" 2>/dev/null; then
      echo "cluster: $(basename "$1" .log) exited before '$2'" >&2
      tail -20 "$1" >&2 || true
      return 1
    fi
    sleep 0.1
  done
  echo "cluster: timed out waiting for '$2' in $1" >&2
  tail -20 "$1" >&2 || true
  return 1
}

spawn() {  # name binary args...
  local name=$1; shift
  "$@" >"$DATA/$name.log" 2>&1 &
  echo $! >"$DATA/$name.pid"
}

start_gateway() {  # index ">" (a new log) or ">>" (appended: a restart)
  local i=$1 log="$DATA/gateway-$1.log"
  [ "$2" = ">" ] && : >"$log"
  # glibc's per-thread caches of freed blocks pin pages after sessions end (issue 9,
  # case 12; docs/deployment.md): the gateway runs without them unless told otherwise.
  # shellcheck disable=SC2086
  env GLIBC_TUNABLES="${XMPP_GATEWAY_GLIBC_TUNABLES-glibc.malloc.tcache_count=0}" \
    "$BUILD/services/gateway/xmpp-gateway" --xmpp.domain="$DOMAIN" \
    --gateway.id="gw$i" --c2s.listen="127.0.0.1:$((C2S_PORT + 10 * i))" \
    --c2s.tls_listen="127.0.0.1:$((C2S_PORT + 10 * i + 1))" \
    --tls.certificate="$DATA/tls/cert.pem" --tls.key_file="$DATA/tls/key.pem" \
    --router.addresses="$ROUTER_ADDRESSES" --auth.address="127.0.0.1:$AUTH_PORT" \
    --redis.address="127.0.0.1:$REDIS_PORT" \
    --ops.port=$((OPS + 3 + i)) ${XMPP_GATEWAY_ARGS:-} >>"$log" 2>&1 &
  echo $! >"$DATA/gateway-$i.pid"
}

gateway_ready() {  # index: connected to a router (its /readyz), within 20 s
  for _ in $(seq 1 200); do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "127.0.0.1:$((OPS + 3 + $1))/readyz")" = 200 ]; then
      return 0
    fi
    sleep 0.1
  done
  echo "cluster: gateway-$1 not ready" >&2
  return 1
}

# Every gateway in turn: SIGTERM (it stops accepting; XEP-0198 clients' sessions detach, their
# state stored, for them to resume on another gateway; the others get <system-shutdown/>),
# wait for it to exit, start it again, wait until it is ready, then the next one.
rolling_restart() {
  for f in "$DATA"/gateway-*.pid; do
    [ -f "$f" ] || continue
    local i pid
    i=$(basename "$f" .pid); i=${i#gateway-}
    pid=$(cat "$f")
    log "restarting gateway-$i (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "cluster: gateway-$i did not stop within 30 s" >&2
      return 1
    fi
    start_gateway "$i" ">>"
    gateway_ready "$i"
  done
  log "every gateway restarted"
}

stop_all() {
  for f in "$DATA"/gateway-*.pid "$DATA"/router*.pid "$DATA/userdata.pid" "$DATA/auth.pid"; do
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    kill -TERM "$pid" 2>/dev/null || true
  done
  for f in "$DATA"/gateway-*.pid "$DATA"/router*.pid "$DATA/userdata.pid" "$DATA/auth.pid"; do
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$f"
  done
  if [ -f "$DATA/redis.pid" ]; then
    kill -TERM "$(cat "$DATA/redis.pid")" 2>/dev/null || true
    rm -f "$DATA/redis.pid"
  fi
  "$ROOT/deploy/local/postgres.sh" stop "$DATA/postgres" 2>/dev/null || true
  log "stopped"
}

start_all() {
  if [ "$NO_BUILD" != 1 ]; then
    bash "$ROOT/scripts/install-deps.sh"
    if [ ! -f "$BUILD/build.ninja" ]; then
      cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    fi
    cmake --build "$BUILD" --target xmpp-auth xmpp-userdata xmpp-router xmpp-gateway xmppctl
  fi
  for b in auth/xmpp-auth userdata/xmpp-userdata router/xmpp-router gateway/xmpp-gateway auth/xmppctl; do
    [ -x "$BUILD/services/$b" ] || { echo "cluster: $BUILD/services/$b missing (build first)" >&2; exit 1; }
  done

  bash "$ROOT/scripts/make-cert.sh" "$DATA/tls" "$DOMAIN"
  if [ ! -f "$DATA/token_key" ]; then
    head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$DATA/token_key"
    chmod 600 "$DATA/token_key"
  fi

  "$ROOT/deploy/local/postgres.sh" start "$DATA/postgres" "$PG_PORT"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no \
    --dir "$DATA" --logfile "$DATA/redis.log" --daemonize yes --pidfile "$DATA/redis.pid"
  for _ in $(seq 1 100); do
    [ "$(redis-cli -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ] && break
    sleep 0.1
  done
  [ "$(redis-cli -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ] ||
    { echo "cluster: redis did not start on port $REDIS_PORT" >&2; tail -5 "$DATA/redis.log" >&2; return 1; }

  common=(--xmpp.domain="$DOMAIN")
  # shellcheck disable=SC2086
  spawn userdata "$BUILD/services/userdata/xmpp-userdata" "${common[@]}" --db.url="$DB_URL" \
    --userdata.listen="127.0.0.1:$USERDATA_PORT" --ops.port=$((OPS + 1)) ${XMPP_USERDATA_ARGS:-}
  # shellcheck disable=SC2086
  spawn auth "$BUILD/services/auth/xmpp-auth" "${common[@]}" --db.url="$DB_URL" \
    --auth.listen="127.0.0.1:$AUTH_PORT" --ops.port=$((OPS + 0)) \
    --auth.token_key_file="$DATA/token_key" --userdata.address="127.0.0.1:$USERDATA_PORT" \
    ${XMPP_AUTH_ARGS:-}
  for r in $(seq 0 $((ROUTERS - 1))); do
    # shellcheck disable=SC2086
    spawn "$(router_name "$r")" "$BUILD/services/router/xmpp-router" "${common[@]}" \
      --redis.address="127.0.0.1:$REDIS_PORT" --userdata.address="127.0.0.1:$USERDATA_PORT" \
      --auth.address="127.0.0.1:$AUTH_PORT" --router.listen="127.0.0.1:$((ROUTER_PORT + r))" \
      --ops.port="$(router_ops "$r")" ${XMPP_ROUTER_ARGS:-}
  done
  wait_for_line "$DATA/userdata.log" "listening" 60 "$DATA/userdata.pid"
  wait_for_line "$DATA/auth.log" "listening" 60 "$DATA/auth.pid"
  for r in $(seq 0 $((ROUTERS - 1))); do
    wait_for_line "$DATA/$(router_name "$r").log" "listening" 60 "$DATA/$(router_name "$r").pid"
  done
  for i in $(seq 0 $((GATEWAYS - 1))); do start_gateway "$i" ">"; done
  for i in $(seq 0 $((GATEWAYS - 1))); do
    wait_for_line "$DATA/gateway-$i.log" "listening" 60 "$DATA/gateway-$i.pid"
    gateway_ready "$i"
  done

  if "$BUILD/services/auth/xmppctl" --auth "127.0.0.1:$AUTH_PORT" adduser demo "$DEMO_PASSWORD" \
      >/dev/null 2>&1; then
    log "created account demo@$DOMAIN"
  fi
  cat >"$DATA/cluster.env" <<ENV
XMPP_DOMAIN=$DOMAIN
XMPP_AUTH_ADDRESS=127.0.0.1:$AUTH_PORT
XMPP_C2S_PORTS=$(for i in $(seq 0 $((GATEWAYS - 1))); do printf '%s ' $((C2S_PORT + 10 * i)); done)
XMPP_OPS_PORTS=$(seq -s ' ' $OPS $((OPS + 1 + GATEWAYS + ROUTERS)))
ENV
  echo
  echo "xmppd is running: domain $DOMAIN, data in $DATA"
  for i in $(seq 0 $((GATEWAYS - 1))); do
    echo "  gateway $i: 127.0.0.1:$((C2S_PORT + 10 * i)) (STARTTLS), 127.0.0.1:$((C2S_PORT + 10 * i + 1)) (direct TLS)"
  done
  echo "  demo account: demo@$DOMAIN / $DEMO_PASSWORD (self-signed certificate: accept it in the client)"
  echo "  accounts: $BUILD/services/auth/xmppctl --auth 127.0.0.1:$AUTH_PORT adduser NAME"
  echo "  metrics: http://127.0.0.1:$OPS/metrics ... http://127.0.0.1:$((OPS + 1 + GATEWAYS + ROUTERS))/metrics"
  echo "  logs: $DATA/*.log"
}

# A start that fails midway (a port taken, a service that exits) stops whatever it started.
start_or_clean_up() {
  trap 'rc=$?; if [ $rc -ne 0 ]; then echo "cluster: start failed, stopping what was started" >&2; stop_all >&2; fi' EXIT
  start_all
  trap - EXIT
}

case $cmd in
  run)
    trap 'echo; stop_all; exit 0' INT TERM
    start_or_clean_up
    echo "Ctrl-C stops everything."
    while true; do sleep 1; done
    ;;
  start) start_or_clean_up ;;
  stop) stop_all ;;
  rolling-restart) rolling_restart ;;
  status)
    for f in "$DATA"/*.pid; do
      [ -f "$f" ] || continue
      if kill -0 "$(cat "$f")" 2>/dev/null; then s=up; else s=down; fi
      echo "$(basename "$f" .pid): $s"
    done
    ;;
  *) echo "usage: cluster.sh run|start|stop|status|rolling-restart [options]" >&2; exit 2 ;;
esac
