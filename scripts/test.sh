#!/usr/bin/env bash
# Runs every test on a fresh machine: installs what is missing, starts the real local stack
# (Kafka, Apicurio, MariaDB, Kafka Connect, Milvus, the LLM servers; ClickHouse is embedded),
# then unit and integration tests. PD_KEEP_STACK=1 leaves what this script started running.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
started=$(date +%s)

ensure_node_modules
step "type check"
npx tsc --noEmit -p tsconfig.json
step "unit tests"
npx vitest run test/unit
step "optional Kafka client for its adapter tests (@confluentinc/kafka-javascript, cached)"
bash scripts/install-confluent-kafka.sh
step "docker compose, for validating docker-compose.yml (built once from the Go module proxy, cached)"
bash scripts/compose-check.sh --ensure
step "Flink SQL checker: Flink 1.20 planner and connector jars from Maven Central, compiled once (cached)"
npx tsx src/adapters/flink/flink-sql-check-cli.ts --install
step "headless Chromium for the web page test (Debian package, once)"
ensure_chromium
stack_up_for_this_run
step "integration tests (real Kafka, Apicurio, MariaDB, Connect, Milvus, LLM, embedded ClickHouse, docker compose config)"
npx vitest run test/integration
step "all tests passed in $(( $(date +%s) - started )) s"
