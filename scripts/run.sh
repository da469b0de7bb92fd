#!/usr/bin/env bash
# Start the web app, a Celery worker and beat together; Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
mkdir -p .celery/broker .celery/processed

pids=()
cleanup() {
  trap - INT TERM EXIT
  echo
  echo "Stopping web server, worker and beat ..."
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

.venv/bin/celery -A crm worker --loglevel=INFO --concurrency=2 --max-tasks-per-child=200 &
pids+=($!)
.venv/bin/celery -A crm beat --loglevel=INFO &
pids+=($!)
$PY manage.py runserver "$HOST:$PORT" --noreload &
pids+=($!)

for _ in $(seq 1 60); do
  if curl -fsS "http://$HOST:$PORT/healthz" >/dev/null 2>&1; then break; fi
  sleep 0.5
done
# Never print passwords from the URLs.
mask() { sed -E 's#//[^/@]*@#//***@#' <<<"$1"; }
cat <<MSG

  Kundenpflege CRM is running:  http://$HOST:$PORT/
  Demo login:                   ${DEMO_USER:-demo} / ${DEMO_PASSWORD:-demo-pass-2026}
  Database: $(mask "${DATABASE_URL:-SQLite (db.sqlite3)}")   Broker: $(mask "${REDIS_URL:-file system (.celery/)}")
  E-mail: $(mask "${EMAIL_URL:-printed to this console}")
  Ctrl-C stops the web server, the Celery worker and beat.

MSG
wait -n "${pids[@]}"
