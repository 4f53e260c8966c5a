#!/usr/bin/env bash
# superquic behind an L4 UDP load balancer: nginx's stream module (Debian: nginx and
# libnginx-mod-stream) in front of two nodes that share a Redis session store, all on loopback.
# It shows what works and what does not (docs/OPERATIONS.md, "Behind a UDP load balancer"):
#   1. a client through nginx gets a session and stores a value;
#   2. its node is killed (kill -9);
#   3. the client's next commands, through nginx again, each a new connection from a new port,
#      land on a node by hash: those that land on the dead one time out, the first that lands on
#      the live one resumes the session with its value.
# Usage: scripts/nginx-udp-demo.sh   (needs redis-server and nginx with the stream module)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/scripts/jdk.sh"
OUT=${OUT:-$(mktemp -d /tmp/superquic-nginx.XXXXXX)}
jar="$root/superquic-cli/target/superquic.jar"
[ -f "$jar" ] || (cd "$root" && ./superquic --version >/dev/null)
java="$JAVA_HOME/bin/java --enable-native-access=ALL-UNNAMED"
module=/usr/lib/nginx/modules/ngx_stream_module.so
[ -f "$module" ] || { echo "needs nginx's stream module (apt-get install nginx libnginx-mod-stream)" >&2; exit 2; }
lb=5710 node1=5711 node2=5712 redis_port=6398
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$OUT/nginx.pid" ] && kill "$(cat "$OUT/nginx.pid")" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup EXIT

redis-server --port $redis_port --bind 127.0.0.1 --save "" --appendonly no --dir "$OUT" >"$OUT/redis.log" 2>&1 &
pids+=($!)
for n in 1 2; do
  port=$((lb + n))
  $java -jar "$jar" server --host 127.0.0.1 --port $port --metrics-port -1 --node-id "node-$n" \
    --reset-secret "$OUT/reset-secret" --session-store "redis://127.0.0.1:$redis_port" >"$OUT/node-$n.log" 2>&1 &
  pids+=($!)
done
cat >"$OUT/nginx.conf" <<CONF
load_module $module;
worker_processes 1;
pid $OUT/nginx.pid;
error_log $OUT/nginx-error.log info;
daemon on;
events {}
stream {
  upstream superquic {
    # Each client address and port (one QUIC connection) to one node. Hashing the address alone
    # would keep sending a client to a dead node: nginx does not mark a UDP upstream failed.
    hash \$remote_addr\$remote_port consistent;
    server 127.0.0.1:$node1 max_fails=1 fail_timeout=30s;
    server 127.0.0.1:$node2 max_fails=1 fail_timeout=30s;
  }
  server {
    listen 127.0.0.1:$lb udp;
    proxy_pass superquic;
    proxy_timeout 30s;
  }
}
CONF
nginx -c "$OUT/nginx.conf"
for _ in $(seq 100); do
  grep -q "server ready" "$OUT/node-1.log" && grep -q "server ready" "$OUT/node-2.log" && break
  sleep 0.1
done

kv() { $java -jar "$jar" kv --server 127.0.0.1:$lb --insecure --timeout 3s --session-file "$OUT/session" "$@"; }
echo "1. through nginx: put greeting=hello"
kv put greeting hello
holder=$(grep -l "session .* created" "$OUT"/node-*.log | head -1)
echo "   the session is on $(basename "$holder" .log)"
victim=1; [ "$(basename "$holder" .log)" = node-2 ] && victim=2
echo "2. kill -9 node-$victim"
kill -9 "${pids[$victim]}"
echo "3. through nginx again: get greeting (retried while the hash picks the dead node)"
for attempt in 1 2 3 4 5 6 7 8; do
  if value=$(kv get greeting 2>"$OUT/kv-$attempt.err"); then
    echo "   attempt $attempt: $value ($(grep -h "resumed" "$OUT"/node-*.log | tail -1 | sed 's/.*\(session [^ ]* resumed\).*/\1/'))"
    exit 0
  fi
  echo "   attempt $attempt failed: $(tail -1 "$OUT/kv-$attempt.err")"
done
echo "the session did not come back through nginx; logs in $OUT" >&2
exit 1
