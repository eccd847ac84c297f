#!/usr/bin/env bash
# Validates docker-compose.yml with the real Docker Compose v2; no Docker engine is needed.
#
#   scripts/compose-check.sh              # docker compose -f docker-compose.yml config -q
#   scripts/compose-check.sh ARGS...      # docker compose -f docker-compose.yml ARGS...
#                                         #   e.g. config --format json
#   scripts/compose-check.sh --ensure     # only make sure compose is available; print how it runs
#
# Uses `docker compose` when it already works. Otherwise (build machines have the docker CLI but
# not the compose plugin, and no GitHub downloads) Docker Compose is built once from the Go
# module proxy, cached as ${PD_CACHE_DIR:-$HOME/.cache/pipeline-doctor}/bin/docker-compose-<v>,
# and linked as a docker CLI plugin (${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins/docker-compose).
# A cold build (empty Go caches) takes about 2 minutes on an idle 2-core machine (4 under heavy
# load); with the Go caches warm a rebuild takes seconds, and a cached binary starts at once.
# The exit code is the one of `docker compose`.
set -euo pipefail

COMPOSE_VERSION=v2.40.3
COMPOSE_MODULE=github.com/docker/compose/v2

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE_DIR="${PD_CACHE_DIR:-$HOME/.cache/pipeline-doctor}"
BIN_DIR="$CACHE_DIR/bin"
BIN="$BIN_DIR/docker-compose-$COMPOSE_VERSION"
PLUGIN_DIR="${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins"

log() { echo "compose-check: $*" >&2; }

docker_compose_works() {
  command -v docker >/dev/null 2>&1 || return 1
  # Our own plugin link to another (older) cached build: re-link it to this version.
  local link="$PLUGIN_DIR/docker-compose"
  if [ -L "$link" ] && [ "$(readlink "$link")" != "$BIN" ]; then
    case "$(basename "$(readlink "$link")")" in docker-compose-v*) return 1 ;; esac
  fi
  docker compose version >/dev/null 2>&1
}

cached_binary_works() {
  [ -x "$BIN" ] && "$BIN" version >/dev/null 2>&1
}

build_compose() {
  if ! command -v go >/dev/null 2>&1; then
    log "ERROR: 'docker compose' is not available and Go is not installed, so Docker Compose"
    log "       $COMPOSE_VERSION cannot be built from the Go module proxy. Install Go >= 1.24"
    log "       (or a Docker Compose v2 CLI plugin) and run this again."
    exit 127
  fi
  local start=$SECONDS work src
  log "building Docker Compose $COMPOSE_VERSION from the Go module proxy ($(go env GOVERSION)) into $BIN_DIR; first run only: about 2 min on an idle 2-core machine, more under load ..."
  work="$(mktemp -d "${TMPDIR:-/tmp}/pd-compose-build.XXXXXX")"
  # `go install module/cmd@version` refuses this module (its go.mod has exclude directives), so
  # fetch the module source through the proxy and build it as the main module instead.
  if ! src="$(cd "$work" && GOFLAGS= GOWORK=off go mod download -json "$COMPOSE_MODULE@$COMPOSE_VERSION" \
      | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')" || [ -z "$src" ] || [ ! -d "$src" ]; then
    rm -rf "$work"
    log "ERROR: go mod download $COMPOSE_MODULE@$COMPOSE_VERSION failed (is the Go module proxy reachable?)"
    exit 1
  fi
  cp -R "$src" "$work/src"
  chmod -R u+w "$work/src"
  # Dependencies come through the proxy as well (~500 MB into the Go module cache, reused later).
  if ! (cd "$work/src" && CGO_ENABLED=0 GOWORK=off GOFLAGS="-mod=readonly -buildvcs=false" \
      go build -trimpath -ldflags "-s -w -X $COMPOSE_MODULE/internal.Version=$COMPOSE_VERSION" \
      -o "$work/docker-compose" ./cmd) >"$work/build.log" 2>&1; then
    log "ERROR: building Docker Compose $COMPOSE_VERSION failed; last lines of the build log:"
    grep -v '^go: downloading' "$work/build.log" | tail -n 40 >&2
    rm -rf "$work"
    exit 1
  fi
  "$work/docker-compose" version >/dev/null
  mv -f "$work/docker-compose" "$BIN"
  rm -rf "$work"
  ln -sfn "$(basename "$BIN")" "$BIN_DIR/docker-compose"
  log "built $("$BIN" version) in $((SECONDS - start)) s"
}

ensure_cached_binary() {
  cached_binary_works && return 0
  mkdir -p "$BIN_DIR"
  if command -v flock >/dev/null 2>&1; then
    # One build at a time (parallel test workers, two shells); the others wait and reuse it.
    exec 9>"$BIN_DIR/.compose-build.lock"
    flock 9
    cached_binary_works || build_compose
    flock -u 9
    exec 9>&-
  else
    build_compose
  fi
}

# Links the cached binary as the docker CLI plugin, unless a compose plugin that is not ours is
# installed there. Succeeds when `docker compose` then works.
install_plugin() {
  command -v docker >/dev/null 2>&1 || return 1
  local target="$PLUGIN_DIR/docker-compose"
  if [ -e "$target" ] && [ ! -L "$target" ]; then
    return 1
  fi
  mkdir -p "$PLUGIN_DIR"
  ln -sfn "$BIN" "$target"
  docker compose version >/dev/null 2>&1
}

ensure_only=0
if [ "${1:-}" = "--ensure" ]; then
  ensure_only=1
  shift
fi
if [ $# -eq 0 ]; then
  set -- config -q
fi

if docker_compose_works; then
  runner=(docker compose)
else
  ensure_cached_binary
  if install_plugin; then
    runner=(docker compose)
  else
    # Same program, run standalone (`docker-compose ...`): identical config handling.
    runner=("$BIN")
  fi
fi

if [ "$ensure_only" = 1 ]; then
  echo "${runner[*]}"
  exit 0
fi

cd "$ROOT"
exec "${runner[@]}" -f "$ROOT/docker-compose.yml" "$@"
