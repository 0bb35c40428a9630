# Sourced by ./weft and ./run-tests: points JAVA_HOME at a Java 25 (or newer) JDK, or explains and exits.
# Order: $JAVA_HOME if it is Java 25+, else /usr/lib/jvm/*25*, else fail with a clear message.

weft_java_feature() { # prints the feature version of the JDK at $1, e.g. 25
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | head -n1
}

weft_find_java() {
  local candidate version
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/*25* /usr/lib/jvm/*; do
    [[ -n $candidate && -x $candidate/bin/java && -x $candidate/bin/javac ]] || continue
    version=$(weft_java_feature "$candidate")
    if [[ $version =~ ^[0-9]+$ ]] && (( version >= 25 )); then
      export JAVA_HOME=$candidate
      export PATH="$JAVA_HOME/bin:$PATH"
      return 0
    fi
  done
  echo "weft needs a Java 25 JDK: set JAVA_HOME to one, or install it under /usr/lib/jvm (found: ${JAVA_HOME:-no JAVA_HOME})." >&2
  exit 1
}

weft_find_java
