#!/usr/bin/env bash
# The cost of each session store, measured side by side: for each round, and each store in turn
# (memory, sqlite, redis; alternating order), it starts `./superquic server` with that store in a
# process of its own and runs against it:
#   bench connect --concurrency 4   new connections with new sessions: conn/s, time to first byte
#   bench resume                    drop the connection and resume the session: resumes/s, latency
#   bench soak --workload kv        kv put + get round trips on fresh streams: transfers/s
# Results go to OUT (default: a new temporary folder), one line per run in results.txt.
#
# Usage: scripts/store-compare.sh   (needs redis-server; ROUNDS=3, DURATION=5s, STORES="memory sqlite redis")
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/scripts/jdk.sh"
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5s}
OUT=${OUT:-$(mktemp -d /tmp/superquic-stores.XXXXXX)}
redis_port=${REDIS_PORT:-6399}
. "$root/scripts/stores.sh"
cp "$jar" "$OUT/superquic.jar"
jar="$OUT/superquic.jar"

port=5650
for round in $(seq "$ROUNDS"); do
  stores=${STORES:-memory sqlite redis}
  [ $((round % 2)) = 0 ] && stores=$(echo "$stores" | tr " " "\n" | tac | tr "\n" " ")
  for store in $stores; do
    port=$((port + 1))
    $java -jar "$jar" server --host 127.0.0.1 --port "$port" --metrics-port -1 --reset-secret "$OUT/reset-secret" \
      --max-connections-per-address 10000 --hello-rate-per-address 100000 --hello-burst-per-address 100000 \
      $(store_option "$store" "$round") >"$OUT/server-$store-$round.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 100); do grep -q "server ready" "$OUT/server-$store-$round.log" && break; sleep 0.1; done
    grep -q "server ready" "$OUT/server-$store-$round.log" || { cat "$OUT/server-$store-$round.log" >&2; exit 1; }
    for scenario in "connect --concurrency 4" "resume"; do
      line=$($java -jar "$jar" bench $scenario --server "127.0.0.1:$port" --insecure --duration "$DURATION" \
        --warmup 3s 2>>"$OUT/clients.log" | grep -E "^(connect|resume)" || echo "$scenario FAILED")
      echo "round=$round store=$store $line" | tee -a "$OUT/results.txt"
    done
    line=$($java -jar "$jar" bench soak --workload kv --count 2000 --parallel 4 --server "127.0.0.1:$port" \
      --insecure 2>>"$OUT/clients.log" | grep -E "^kv:" || echo "kv FAILED")
    echo "round=$round store=$store $line" | tee -a "$OUT/results.txt"
    kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=
  done
done
echo "results: $OUT/results.txt"
