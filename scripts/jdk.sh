# Sourced by ./superquic and ./run-tests: finds a JDK 22 or newer and exports JAVA_HOME.
# Order: $JAVA_HOME if it is 22+, then the usual install folders (newest version wins).
# Fails with a clear message when there is none.

superquic_jdk_version() { # prints the feature version of the JDK at $1, or nothing
  local home=$1 v=""
  [ -x "$home/bin/java" ] && [ -x "$home/bin/javac" ] || return 0
  if [ -f "$home/release" ]; then
    v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$home/release")
  fi
  if [ -z "$v" ]; then
    v=$("$home/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1)
  fi
  [ "$v" = "1" ] && v=8
  echo "$v"
}

superquic_find_jdk() {
  local min=22 best="" best_v=0 v dir
  if [ -n "${JAVA_HOME:-}" ]; then
    v=$(superquic_jdk_version "$JAVA_HOME")
    if [ -n "$v" ] && [ "$v" -ge "$min" ]; then
      echo "$JAVA_HOME"
      return 0
    fi
    echo "superquic: JAVA_HOME=$JAVA_HOME is not a JDK $min+ (found version '${v:-none}'); looking elsewhere" >&2
  fi
  for dir in /usr/lib/jvm/* /usr/local/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* /opt/*jdk* \
             "$HOME"/.sdkman/candidates/java/* "$HOME"/.jdks/* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -d "$dir" ] || continue
    v=$(superquic_jdk_version "$dir")
    if [ -n "$v" ] && [ "$v" -ge "$min" ] && [ "$v" -gt "$best_v" ]; then
      best=$dir
      best_v=$v
    fi
  done
  if [ -z "$best" ] && command -v javac >/dev/null 2>&1; then
    dir=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
    v=$(superquic_jdk_version "$dir")
    if [ -n "$v" ] && [ "$v" -ge "$min" ]; then best=$dir; fi
  fi
  if [ -z "$best" ]; then
    echo "superquic: no JDK $min or newer found (checked JAVA_HOME and the usual install folders)." >&2
    echo "superquic: install one (for example Temurin 25) or set JAVA_HOME to it." >&2
    return 1
  fi
  echo "$best"
}

JAVA_HOME=$(superquic_find_jdk) || exit 1
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"

superquic_require_maven() {
  if ! command -v mvn >/dev/null 2>&1; then
    echo "superquic: Maven (mvn) is needed to build; install it (for example: apt-get install maven)." >&2
    exit 1
  fi
}
