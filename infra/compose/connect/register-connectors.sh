#!/usr/bin/env bash
# One-shot job of the compose `connect-init` service: creates or updates every connector in
# /opt/pd/connectors/*.json (file name = connector name, content = flat config map) through the
# Kafka Connect REST API. PUT /connectors/<name>/config is idempotent, so re-running is safe.
# Secrets in the JSON are `${env:VAR}` references resolved by the worker's EnvVarConfigProvider.
set -euo pipefail

CONNECT_URL="${CONNECT_URL:-http://connect:8083}"
DIR="${CONNECTORS_DIR:-/opt/pd/connectors}"
ATTEMPTS="${REGISTER_ATTEMPTS:-60}"

shopt -s nullglob
files=("$DIR"/*.json)
if [ "${#files[@]}" -eq 0 ]; then
  echo "register-connectors: no connector config in $DIR" >&2
  exit 1
fi

for f in "${files[@]}"; do
  name="$(basename "$f" .json)"
  for ((i = 1; ; i++)); do
    code="$(curl -sS -o /tmp/register.out -w '%{http_code}' -X PUT \
      -H 'Content-Type: application/json' --data-binary "@$f" \
      "$CONNECT_URL/connectors/$name/config" || echo 000)"
    if [[ "$code" == 2* ]]; then
      echo "register-connectors: $name registered (HTTP $code)"
      break
    fi
    if [ "$i" -ge "$ATTEMPTS" ]; then
      echo "register-connectors: $name failed after $i attempts (HTTP $code): $(cat /tmp/register.out 2>/dev/null)" >&2
      exit 1
    fi
    sleep 2
  done
done

# Report the state once, for the logs; the connector keeps running inside the worker.
for f in "${files[@]}"; do
  name="$(basename "$f" .json)"
  curl -sS "$CONNECT_URL/connectors/$name/status" || true
  echo
done
