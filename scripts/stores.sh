# Shared by the scripts that run `./superquic server` with each session store in turn (sourced
# after jdk.sh, with root, OUT and redis_port set): the packaged CLI, a Redis without persistence
# for the redis store, the server options of each store, and a clean-up of what they started.
jar="$root/superquic-cli/target/superquic.jar"
java="$JAVA_HOME/bin/java --enable-native-access=ALL-UNNAMED"
[ -f "$jar" ] || (cd "$root" && ./superquic --version >/dev/null)
mkdir -p "$OUT"
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$OUT" >"$OUT/redis.log" 2>&1 &
redis_pid=$!
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  kill "$redis_pid" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup EXIT

# store_option STORE ROUND: the server's options for the memory, sqlite (a data directory per
# round) or redis store
store_option() {
  case $1 in
    memory) echo "--session-store memory" ;;
    sqlite) echo "--session-store sqlite --data-dir $OUT/data-$2" ;;
    redis) echo "--session-store redis://127.0.0.1:$redis_port" ;;
  esac
}
