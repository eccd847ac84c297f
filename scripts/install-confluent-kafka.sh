#!/usr/bin/env bash
# Installs @confluentinc/kafka-javascript (the optional second Kafka client behind the broker port,
# KAFKA_CLIENT=confluent) on demand, outside the project's package.json: its install compiles
# librdkafka, which would add minutes to every `npm ci`.
#
#   scripts/install-confluent-kafka.sh            # install (or check) the pinned version
#   scripts/install-confluent-kafka.sh --force    # wipe the cache folder and rebuild
#   scripts/install-confluent-kafka.sh --print-dir
#
# Target: ${PD_CACHE_DIR:-$HOME/.cache/pipeline-doctor}/confluent-kafka/ (its own package.json).
# src/adapters/kafka/confluent-broker.ts loads it from there with createRequire.
#
# Route: the package's prebuilt binaries are GitHub release downloads, which build machines cannot
# reach, and its default source build runs librdkafka's `configure --install-deps
# --source-deps-only`, which downloads OpenSSL/zstd/curl... sources from their upstream sites too.
# So we skip the prebuilt download (npm_config_build_from_source) and build librdkafka linked
# against the Debian -dev packages (CKJS_LINKING=dynamic): no network beyond the npm registry and
# apt. librdkafka.so lands inside the package (build/deps, found through an $ORIGIN rpath).
# A cold install took 88-164 s on 2 cores (plus ~15 s of apt); a second run only checks (0.1 s).
set -euo pipefail

CONFLUENT_KAFKA_VERSION=1.10.1 # bundles librdkafka 2.15.1
PKG=@confluentinc/kafka-javascript
DIR="${PD_CACHE_DIR:-$HOME/.cache/pipeline-doctor}/confluent-kafka"
# Build tools + libraries librdkafka's configure detects (ssl, zlib, zstd, lz4, sasl/GSSAPI, curl/OIDC).
APT_PACKAGES=(build-essential python3 pkg-config libssl-dev zlib1g-dev libzstd-dev liblz4-dev libsasl2-dev libcurl4-openssl-dev)

FORCE=0
case "${1:-}" in
  --force) FORCE=1 ;;
  --print-dir) echo "$DIR"; exit 0 ;;
  -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  "") ;;
  *) echo "unknown argument: $1 (use --force, --print-dir or --help)" >&2; exit 2 ;;
esac

log() { printf '[install-confluent-kafka] %s\n' "$*" >&2; }

# Prints "<package version> librdkafka <version> features <list>" when the native module loads.
probe() {
  (cd "$DIR" 2>/dev/null && node -e "
    const k = require('$PKG');
    const v = require('$PKG/package.json').version;
    if (typeof k.KafkaJS?.Kafka !== 'function') throw new Error('KafkaJS API missing');
    console.log(v + ' librdkafka ' + k.librdkafkaVersion + ' features ' + k.features.join(','));
  " 2>/dev/null)
}

if [[ $FORCE == 0 ]] && status="$(probe)" && [[ "$status" == "$CONFLUENT_KAFKA_VERSION "* ]]; then
  log "already installed in $DIR: $PKG $status"
  exit 0
fi

START=$SECONDS

# --- system packages (Debian/Ubuntu) -------------------------------------------------------------
if command -v dpkg-query >/dev/null 2>&1; then
  missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if ((${#missing[@]})); then
    SUDO=()
    if [[ $(id -u) != 0 ]]; then
      command -v sudo >/dev/null 2>&1 || { log "missing apt packages: ${missing[*]}; install them as root and re-run"; exit 1; }
      SUDO=(sudo)
    fi
    log "installing apt packages: ${missing[*]}"
    "${SUDO[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
else
  log "not a Debian system: make sure a C/C++ toolchain, python3, make, pkg-config and the OpenSSL, zlib, zstd, lz4, SASL and curl headers are installed"
fi

# --- npm install into the cache folder -----------------------------------------------------------
rm -rf "$DIR/node_modules" "$DIR/package-lock.json"
mkdir -p "$DIR"
# allowScripts: npm 11 only runs a dependency's install script when the project approves it. A
# name-only entry is needed: pinned "pkg@x.y.z" entries never match when the user config sets
# omit-lockfile-registry-resolved (as on our build machines).
cat >"$DIR/package.json" <<EOF
{
  "name": "pipeline-doctor-confluent-kafka",
  "private": true,
  "description": "On-demand install of $PKG for pipeline-doctor (scripts/install-confluent-kafka.sh). Do not edit.",
  "allowScripts": { "$PKG": true }
}
EOF

export CKJS_LINKING=dynamic
export npm_config_build_from_source=true
# No JOBS for node-gyp: its generated Makefile races on deps/librdkafka/config.h with --jobs > 1
# ("No rule to make target"); librdkafka itself is built with `make -j` anyway.
unset JOBS
# Use the running node's installed headers when present, so node-gyp does not download them.
NODE_PREFIX="$(node -p 'require("path").resolve(process.execPath, "../..")')"
if [[ -z "${npm_config_nodedir:-}" && -f "$NODE_PREFIX/include/node/node.h" ]]; then
  export npm_config_nodedir="$NODE_PREFIX"
fi

log "building $PKG@$CONFLUENT_KAFKA_VERSION from source in $DIR (log: $DIR/install.log)"
if ! (cd "$DIR" && npm install --no-save --ignore-scripts=false --foreground-scripts --no-audit --no-fund \
  "$PKG@$CONFLUENT_KAFKA_VERSION") >"$DIR/install.log" 2>&1; then
  tail -n 40 "$DIR/install.log" >&2
  log "npm install failed after $((SECONDS - START)) s; full log: $DIR/install.log"
  exit 1
fi

if ! status="$(probe)"; then
  tail -n 20 "$DIR/install.log" >&2
  (cd "$DIR" && node -e "require('$PKG')") || true
  log "installed, but the native module does not load (did npm skip the install script?); see $DIR/install.log"
  exit 1
fi

# Drop build leftovers (librdkafka sources and objects, static archives): ~280 MB -> ~25 MB. Only
# build/Release/*.node and build/deps/librdkafka{,++}.so.1 (its rpath $ORIGIN/../deps) are loaded.
MOD="$DIR/node_modules/$PKG"
rm -rf "$MOD/deps/librdkafka" "$MOD/build/Release/obj.target" "$MOD/build/Release/.deps" \
  "$MOD/build/deps/include" "$MOD/build/deps/pkgconfig" "$MOD"/build/deps/*.a
status="$(probe)" || { log "the native module no longer loads after pruning build files; re-run with --force"; exit 1; }
log "installed $PKG $status in $((SECONDS - START)) s"
