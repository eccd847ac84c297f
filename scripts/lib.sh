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

# Brings the local stack up; stops it again on exit only if this script started it.
stack_up_for_this_run() {
  if node bin/pipeline-doctor.js stack status >/dev/null 2>&1; then
    step "local stack already running: leaving it as it is"
  else
    step "starting the local stack (Kafka, Apicurio, MariaDB, Kafka Connect + Debezium)"
    if [ -z "${PD_KEEP_STACK:-}" ]; then trap 'step "stopping the local stack"; node bin/pipeline-doctor.js stack down || true' EXIT; fi
    node bin/pipeline-doctor.js stack up
  fi
}
