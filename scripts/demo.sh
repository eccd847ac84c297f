#!/usr/bin/env bash
# The main job end to end on the local stack with generated sample data:
# installs what is missing, starts the stack, runs `pipeline-doctor demo`, prints a summary.
# Extra arguments go to the demo command (e.g. --events 100000).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_node_modules
stack_up_for_this_run
step "demo"
node bin/pipeline-doctor.js demo "$@"
