#!/usr/bin/env bash
# superquic against gRPC (grpc-java over TCP + TLS 1.3) on a lossy path: the lossylink rig's two
# network namespaces, joined by a forwarder that drops and delays packets of every protocol alike.
# Servers run in namespace B, clients in A. For each one-way delay and loss rate, and each round
# (targets alternate within a round), it measures:
#   throughput   one stream of bulk upload: MB/s, and CPU us per MB of client and server
#   hol          round trips of 64 bytes on one stream while another stream of the same connection
#                uploads bulk: p50 and p99
#   rpc          round trips alone (clean path only): CPU us per request of client and server
# Results go to OUT (default: a new temporary folder) as one line per run in results.txt.
#
# Usage (root): scripts/lossy-compare.sh
# Settings (environment): LOSSYLINK (the rig's folder; default ../shared/lossylink), DELAYS ("5 25"),
# LOSSES ("0 1 5"), ROUNDS (2), DURATION (8s), WARMUP (3s), TCP_CC (the namespaces' TCP congestion
# control: bbr or cubic; default: what the namespaces have), OUT, SUPERQUIC_OPTS (more server and
# client options, e.g. "--congestion-control cubic").
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/scripts/jdk.sh"
LOSSYLINK=${LOSSYLINK:-$root/../shared/lossylink}
DELAYS=${DELAYS:-5 25}
LOSSES=${LOSSES:-0 1 5}
ROUNDS=${ROUNDS:-2}
DURATION=${DURATION:-8s}
WARMUP=${WARMUP:-3s}
OUT=${OUT:-$(mktemp -d /tmp/superquic-lossy.XXXXXX)}
SUPERQUIC_OPTS=${SUPERQUIC_OPTS:-}
jar="$root/superquic-cli/target/superquic.jar"
java="$JAVA_HOME/bin/java --enable-native-access=ALL-UNNAMED"
[ -x "$LOSSYLINK/up.sh" ] || { echo "no lossylink rig at $LOSSYLINK (set LOSSYLINK)" >&2; exit 2; }
[ -f "$jar" ] || (cd "$root" && ./superquic --version >/dev/null)
mkdir -p "$OUT"
cp "$jar" "$OUT/superquic.jar" # a rebuild while this runs must not change what runs
jar="$OUT/superquic.jar"

up_here=0
if ! "$LOSSYLINK/set.sh" >/dev/null 2>&1; then
  "$LOSSYLINK/up.sh" >/dev/null
  up_here=1
fi
server_pids=()
cleanup() {
  for p in "${server_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ "$up_here" = 1 ] && "$LOSSYLINK/down.sh" >/dev/null 2>&1 || true
}
trap cleanup EXIT
if [ -n "${TCP_CC:-}" ]; then
  for ns in lla llb; do ip netns exec "$ns" sysctl -qw "net.ipv4.tcp_congestion_control=$TCP_CC"; done
fi
tcp_cc=$(ip netns exec llb sysctl -n net.ipv4.tcp_congestion_control)

"$LOSSYLINK/set.sh" clean >/dev/null
ip netns exec llb $java -jar "$jar" server --host 10.77.0.2 --port 5555 --reset-secret "$OUT/reset-secret" \
  $SUPERQUIC_OPTS >"$OUT/superquic-server.log" 2>&1 &
sq_pid=$!; server_pids+=("$sq_pid")
ip netns exec llb $java -jar "$jar" bench serve --target grpc --bind 10.77.0.2:7000 >"$OUT/grpc-server.log" 2>&1 &
grpc_pid=$!; server_pids+=("$grpc_pid")
for _ in $(seq 100); do
  grep -q "ready" "$OUT/superquic-server.log" && grep -q "listening" "$OUT/grpc-server.log" && break
  sleep 0.2
done
ticks=$(getconf CLK_TCK)
cpu_of() { awk -v t="$ticks" '{ printf "%d", ($14 + $15) * 1000000 / t }' "/proc/$1/stat"; } # microseconds

# run TARGET SCENARIO DELAY LOSS ROUND: one client run, one line in results.txt
run() {
  local target=$1 scenario=$2 delay=$3 loss=$4 round=$5 pid opts line before after
  if [ "$target" = superquic ]; then
    pid=$sq_pid; opts="--server 10.77.0.2:5555 --insecure $SUPERQUIC_OPTS"
  else
    pid=$grpc_pid; opts="--target grpc --server 10.77.0.2:7000"
  fi
  before=$(cpu_of "$pid")
  line=$(ip netns exec lla $java -jar "$jar" bench "$scenario" $opts --duration "$DURATION" --warmup "$WARMUP" \
    2>>"$OUT/clients.log" | grep -E "^(throughput|hol|rpc)" || echo "$scenario $target FAILED")
  after=$(cpu_of "$pid")
  echo "delay=$delay loss=$loss round=$round tcp_cc=$tcp_cc server_cpu_us=$((after - before)) $line" | tee -a "$OUT/results.txt"
}

for delay in $DELAYS; do
  for loss in $LOSSES; do
    "$LOSSYLINK/set.sh" clean "loss=$loss" "delay=$delay" >/dev/null
    for round in $(seq "$ROUNDS"); do
      targets="superquic grpc"; [ $((round % 2)) = 0 ] && targets="grpc superquic"
      for target in $targets; do
        run "$target" throughput "$delay" "$loss" "$round"
        run "$target" hol "$delay" "$loss" "$round"
        [ "$loss" = 0 ] && run "$target" rpc "$delay" "$loss" "$round"
      done
    done
  done
done
echo "results: $OUT/results.txt"
secs() { local v=$1; case $v in *ms) awk -v v="${v%ms}" 'BEGIN { print v / 1000 }';; *s) echo "${v%s}";; *m) echo $(( ${v%m} * 60 ));; *) echo "$v";; esac; }
python3 - "$OUT/results.txt" "$(secs "$DURATION")" "$(secs "$WARMUP")" <<'PY' | tee "$OUT/summary.md"
import re, statistics, sys
from collections import defaultdict
runs = defaultdict(list)
seconds = float(sys.argv[2]) + float(sys.argv[3])  # the server's CPU counts the warm-up too
for line in open(sys.argv[1]):
    kv = dict(re.findall(r"(\w+)=(\S+)", line.split(" throughput")[0].split(" hol")[0].split(" rpc")[0]))
    m = re.search(r"(throughput-upload|hol-upload|rpc)\s+(\S+)\s+(.*)", line)
    if not m:
        continue
    figures = dict((k.strip(), float(v)) for k, v in re.findall(r"([A-Za-z/%. 0-9]+?) (-?[0-9.]+)(?=\s{2}|$)", "  " + m.group(3)))
    figures["server_cpu_us"] = float(kv["server_cpu_us"])
    runs[(int(kv["delay"]), float(kv["loss"]), m.group(2), m.group(1))].append(figures)
def med(key, scenario, name):
    vals = [f[name] for f in runs.get(key + (scenario,), []) if name in f]
    return statistics.median(vals) if vals else None
def fmt(v, digits=0):
    return "-" if v is None else f"{v:.{digits}f}"
print("| one-way delay | loss | target | MB/s | CPU us/MB client | CPU us/MB server (approx.) | hol p50 ms | hol p99 ms | hol bulk MB/s | runs |")
print("|---|---|---|---|---|---|---|---|---|---|")
for key in sorted({k[:3] for k in runs}):
    rate = med(key, "throughput-upload", "MB/s")
    server = [f["server_cpu_us"] / (f["MB/s"] * seconds) for f in runs.get(key + ("throughput-upload",), []) if f.get("MB/s")]
    p50, p99 = med(key, "hol-upload", "p50 us"), med(key, "hol-upload", "p99 us")
    print(f"| {key[0]} ms | {key[1]:g} % | {key[2]} | {fmt(rate, 1)} | {fmt(med(key, 'throughput-upload', 'CPU us/MB'))} "
          f"| {fmt(statistics.median(server) if server else None)} | {fmt(p50 and p50 / 1000, 1)} | {fmt(p99 and p99 / 1000, 1)} "
          f"| {fmt(med(key, 'hol-upload', 'bulk MB/s'), 1)} | {len(runs.get(key + ('throughput-upload',), []))} |")
print()
print("| one-way delay | target | rpc p50 ms | CPU us/req client | CPU us/req server |")
print("|---|---|---|---|---|")
for key in sorted({k[:3] for k in runs if k[3] == "rpc"}):
    rs = runs[key + ("rpc",)]
    server = statistics.median(f["server_cpu_us"] / (f["req/s"] * seconds) for f in rs if f.get("req/s"))
    print(f"| {key[0]} ms | {key[2]} | {fmt(med(key, 'rpc', 'p50 us') / 1000, 1)} | {fmt(med(key, 'rpc', 'CPU us/req'))} | {fmt(server)} |")
PY
