#!/usr/bin/env bash
# What answering from the client's address costs on a wildcard bind: for each round, in
# alternating order, it starts `./superquic server` in three set-ups and runs against each:
#   127.0.0.1>127.0.0.1  --host 127.0.0.1, client to 127.0.0.1 (replies through Netty)
#   0.0.0.0>127.0.0.1    --host 0.0.0.0, client to 127.0.0.1 (the kernel's route picks the right
#                        source: replies through Netty, after a lookup per datagram received)
#   0.0.0.0>127.0.0.2    --host 0.0.0.0, client to 127.0.0.2 (every reply sent by the server
#                        itself with IP_PKTINFO)
#   bench rpc                          small round trips on one stream
#   bench throughput --direction down  a bulk download (segmented datagrams)
# and reads the server's CPU time (utime + stime) around each run, for CPU per unit of work.
# Results go to OUT (default: a new temporary folder), one line per run in results.txt.
#
# Usage: scripts/wildcard-cost.sh   (ROUNDS=3, DURATION=5s)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/scripts/jdk.sh"
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5s}
OUT=${OUT:-$(mktemp -d /tmp/superquic-wildcard-cost.XXXXXX)}
mkdir -p "$OUT"
jar="$root/superquic-cli/target/superquic.jar"
java="$JAVA_HOME/bin/java --enable-native-access=ALL-UNNAMED"
[ -f "$jar" ] || (cd "$root" && ./superquic --version >/dev/null)
server_pid=
trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true' EXIT
ticks=$(getconf CLK_TCK)
cpu_ms() { awk -v t="$ticks" '{ printf "%d", ($14 + $15) * 1000 / t }' "/proc/$1/stat"; }

port=5800
for round in $(seq "$ROUNDS"); do
  setups="127.0.0.1>127.0.0.1 0.0.0.0>127.0.0.1 0.0.0.0>127.0.0.2"
  [ $((round % 2)) = 0 ] && setups=$(echo "$setups" | tr " " "\n" | tac | tr "\n" " ")
  for setup in $setups; do
    host=${setup%>*} target=${setup#*>}
    port=$((port + 1))
    $java -jar "$jar" server --host "$host" --port "$port" --metrics-port 0 --session-store memory \
      >"$OUT/server-$host-$target-$round.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 100); do grep -q "server ready" "$OUT/server-$host-$target-$round.log" && break; sleep 0.1; done
    grep -q "server ready" "$OUT/server-$host-$target-$round.log" || { cat "$OUT/server-$host-$target-$round.log" >&2; exit 1; }
    for run in "rpc" "throughput --direction down"; do
      before=$(cpu_ms "$server_pid")
      line=$($java -jar "$jar" bench $run --server "$target:$port" --insecure --duration "$DURATION" \
        --warmup 2s 2>>"$OUT/clients.log" | grep -E "^(rpc|throughput)" || echo "$run FAILED")
      after=$(cpu_ms "$server_pid")
      echo "round=$round setup=$setup server-cpu-ms=$((after - before)) $line" | tee -a "$OUT/results.txt"
    done
    kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=
  done
done
echo "results: $OUT/results.txt"
