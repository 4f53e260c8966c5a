#!/usr/bin/env bash
# Channels under process faults: `bench soak --workload channel` (COUNT numbered messages to the
# tally channel and back, checked once and in order on both sides) while this script kills
# servers with SIGKILL:
#   kill9-sqlite   one server on the durable store; every KILL_EVERY seconds it is killed and
#                  restarted on the same port and data directory
#   failover-redis two nodes sharing one redis-server; every KILL_EVERY seconds the node the client
#                  is on is killed (the client moves to the other) and then started again
# The soak's summary line says what was lost, duplicated or out of order; results in OUT/results.txt.
#
# Usage: scripts/channel-chaos.sh [kill9-sqlite] [failover-redis]
#        (needs redis-server for failover-redis; COUNT=100000, SIZE=64, KILL_EVERY=6, OUT=a new folder)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/scripts/jdk.sh"
COUNT=${COUNT:-100000}
SIZE=${SIZE:-64}
KILL_EVERY=${KILL_EVERY:-6}
OUT=${OUT:-$(mktemp -d /tmp/superquic-chaos.XXXXXX)}
scenarios=${*:-kill9-sqlite failover-redis}
jar="$root/superquic-cli/target/superquic.jar"
java="$JAVA_HOME/bin/java --enable-native-access=ALL-UNNAMED"
[ -f "$jar" ] || (cd "$root" && ./superquic --version >/dev/null)
mkdir -p "$OUT"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

# start_server NAME PORT ARGS...: a server in the background, its pid in $server_pid once it is ready
start_server() {
  local name=$1 port=$2 before
  shift 2
  before=$(grep -c "server ready" "$OUT/$name.log" 2>/dev/null || true)
  $java -jar "$jar" server --host 127.0.0.1 --port "$port" --metrics-port -1 --reset-secret "$OUT/reset-secret" \
    "$@" >>"$OUT/$name.log" 2>&1 &
  server_pid=$!
  pids+=("$server_pid")
  for _ in $(seq 200); do
    [ "$(grep -c "server ready" "$OUT/$name.log" || true)" -gt "${before:-0}" ] && break
    sleep 0.05
  done
}

# soak SERVERS: the channel soak in the background, its pid in $soak_pid
soak() {
  $java -jar "$jar" bench soak --workload channel --count "$COUNT" --transfer-size "$SIZE" --idle-timeout 2s \
    --stall-timeout 60s --server "$1" --insecure >"$OUT/soak-$scenario.out" 2>"$OUT/soak-$scenario.err" &
  soak_pid=$!
  pids+=("$soak_pid")
}

for scenario in $scenarios; do
  kills=0
  case $scenario in
    kill9-sqlite)
      port=5671
      start_server sqlite $port --data-dir "$OUT/data"
      soak "127.0.0.1:$port"
      while kill -0 "$soak_pid" 2>/dev/null; do
        sleep "$KILL_EVERY"
        kill -0 "$soak_pid" 2>/dev/null || break
        kill -9 "$server_pid"; wait "$server_pid" 2>/dev/null || true
        kills=$((kills + 1))
        start_server sqlite $port --data-dir "$OUT/data"
      done
      kill "$server_pid" 2>/dev/null || true
      ;;
    failover-redis)
      redis-server --port 6398 --bind 127.0.0.1 --save "" --appendonly no --dir "$OUT" >"$OUT/redis.log" 2>&1 &
      pids+=("$!")
      sleep 0.5
      start_server node1 5681 --session-store redis://127.0.0.1:6398 --node-id node1; node1=$server_pid
      start_server node2 5682 --session-store redis://127.0.0.1:6398 --node-id node2; node2=$server_pid
      soak "127.0.0.1:5681,127.0.0.1:5682"
      current=1
      while kill -0 "$soak_pid" 2>/dev/null; do
        sleep "$KILL_EVERY"
        kill -0 "$soak_pid" 2>/dev/null || break
        # Kill the node the client is on, then bring it back for the next round.
        if [ $current = 1 ]; then victim=$node1; else victim=$node2; fi
        kill -9 "$victim"; wait "$victim" 2>/dev/null || true
        kills=$((kills + 1))
        sleep 3
        if [ $current = 1 ]; then
          start_server node1 5681 --session-store redis://127.0.0.1:6398 --node-id node1; node1=$server_pid; current=2
        else
          start_server node2 5682 --session-store redis://127.0.0.1:6398 --node-id node2; node2=$server_pid; current=1
        fi
      done
      kill "$node1" "$node2" 2>/dev/null || true
      ;;
    *) echo "unknown scenario $scenario" >&2; exit 2 ;;
  esac
  rc=0; wait "$soak_pid" || rc=$?
  echo "scenario=$scenario kills=$kills exit=$rc $(grep '^channel:' "$OUT/soak-$scenario.out" || echo 'no summary')" \
    | tee -a "$OUT/results.txt"
done
echo "results in $OUT/results.txt"
