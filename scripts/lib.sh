# Shared by scripts/test.sh and scripts/demo.sh: install npm dependencies once per lockfile.
export PD_CACHE_DIR="${PD_CACHE_DIR:-$HOME/.cache/pipeline-doctor}"
mkdir -p "$PD_CACHE_DIR"

step() { printf '\n== %s\n' "$*"; }

ensure_node_modules() {
  # Install only when the lockfile changed since the last install (npm writes this marker).
  # `npm install --no-save` instead of `npm ci`: npm 10/11 write lockfiles without other
  # platforms' optional packages, and `npm ci` then refuses them (npm/cli#8320, #4828).
  # --no-save installs the locked versions and leaves package-lock.json as committed.
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    step "installing npm dependencies (cache: $PD_CACHE_DIR/npm)"
    npm install --no-save --no-audit --no-fund --cache "$PD_CACHE_DIR/npm" --prefer-offline
  fi
}

# Brings the local stack up (all services, or the ones named: stack_up_for_this_run kafka mariadb)
# and, on exit, stops again only the services this run started: a service that was already
# running (someone else's, or a stack kept with PD_KEEP_STACK=1) is left alone.
stack_up_for_this_run() {
  local cli="node bin/pipeline-doctor.js" started
  # Names of the selected services that are not running now, from `stack status --json`
  # (exit 3 = some are not ready, which is what we are about to find out).
  started=$($cli stack status --json "$@" 2>/dev/null | node -e '
    let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
      try { console.log(JSON.parse(s).filter((x) => !x.running).map((x) => x.name).join(" ")); }
      catch { console.log("?"); }
    });') || true
  if [ -z "$started" ]; then
    step "local stack already running: leaving it as it is"
    $cli stack up "$@" # waits for any service still starting; returns at once otherwise
    return
  fi
  if [ "$started" = "?" ]; then started="$*"; fi # status unreadable: treat the selection as ours
  step "starting the local stack: ${started:-all services}"
  if [ -z "${PD_KEEP_STACK:-}" ]; then
    # shellcheck disable=SC2064 # expand now: the list of services this run started
    trap "step 'stopping what this run started: ${started:-all services}'; $cli stack down $started || true" EXIT
  fi
  $cli stack up "$@"
}

# Headless Chromium for the web page test: Debian's chromium package (apt; root on CI and dev
# machines, as for MariaDB). CHROMIUM_PATH points the test at another binary instead.
ensure_chromium() {
  if [ -n "${CHROMIUM_PATH:-}" ] || command -v chromium >/dev/null 2>&1; then return; fi
  if [ "$(id -u)" != 0 ]; then
    echo "chromium not found; install it: sudo apt-get install -y chromium (or set CHROMIUM_PATH)" >&2
    return 1
  fi
  step "installing chromium with apt-get (once)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium \
    || { DEBIAN_FRONTEND=noninteractive apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium; }
}
