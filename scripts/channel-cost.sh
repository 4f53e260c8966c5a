#!/usr/bin/env bash
# What channels cost, next to streams, with each session store: for each round and each store in
# turn (memory, sqlite, redis; alternating order) it starts `./superquic server` with that store
# and runs against it, one after the other:
#   bench rpc                    round trips on one stream to echo (the baseline)
#   bench rpc --channel echo     each request a channel message, sent back by the handler
#   bench rpc --channel tally    each request counted in the session's state and answered, one commit
# and reads the server's metrics around each channel run for the session store's calls per message.
# Results go to OUT (default: a new temporary folder), one line per run in results.txt.
#
# Usage: scripts/channel-cost.sh   (needs redis-server and curl; ROUNDS=3, DURATION=5s, STORES="memory sqlite redis")
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/scripts/jdk.sh"
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5s}
OUT=${OUT:-$(mktemp -d /tmp/superquic-channel-cost.XXXXXX)}
redis_port=${REDIS_PORT:-6397}
. "$root/scripts/stores.sh"

# Store calls of the server so far, all channel operations together, and channel messages in.
store_calls() {
  curl -s "http://127.0.0.1:$metrics/metrics" | awk '
    /^superquic_session_store_latency_seconds_count\{.*op="channel_/ { calls += $2 }
    /^superquic_channel_messages_total\{.*direction="in"/ { messages += $2 }
    END { printf "%d %d\n", calls, messages }'
}

port=5700
for round in $(seq "$ROUNDS"); do
  stores=${STORES:-memory sqlite redis}
  [ $((round % 2)) = 0 ] && stores=$(echo "$stores" | tr " " "\n" | tac | tr "\n" " ")
  for store in $stores; do
    port=$((port + 1)); metrics=$((port + 1000))
    $java -jar "$jar" server --host 127.0.0.1 --port "$port" --metrics-port "$metrics" $(store_option "$store" "$round") \
      >"$OUT/server-$store-$round.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 100); do grep -q "server ready" "$OUT/server-$store-$round.log" && break; sleep 0.1; done
    grep -q "server ready" "$OUT/server-$store-$round.log" || { cat "$OUT/server-$store-$round.log" >&2; exit 1; }
    for mode in "" "--channel echo" "--channel tally"; do
      read -r calls_before messages_before < <(store_calls)
      line=$($java -jar "$jar" bench rpc $mode --server "127.0.0.1:$port" --insecure --duration "$DURATION" \
        --warmup 2s 2>>"$OUT/clients.log" | grep -E "^rpc" || echo "rpc $mode FAILED")
      read -r calls_after messages_after < <(store_calls)
      per=$(awk -v c=$((calls_after - calls_before)) -v m=$((messages_after - messages_before)) \
        'BEGIN { if (m > 0) printf "%.2f", c / m; else printf "-" }')
      echo "round=$round store=$store store-calls/msg=$per $line" | tee -a "$OUT/results.txt"
    done
    kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=
  done
done
echo "results: $OUT/results.txt"
