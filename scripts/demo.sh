#!/usr/bin/env bash
# The main job end to end on the local stack with generated sample data:
# installs what is missing, starts the stack, runs `pipeline-doctor demo`, prints a summary.
# Extra arguments go to the demo command (e.g. --events 100000).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_node_modules
# Only what the demo uses: Milvus and the LLM servers are not part of it yet.
stack_up_for_this_run kafka apicurio mariadb connect
step "demo"
node bin/pipeline-doctor.js demo "$@"
