#!/usr/bin/env bash
# `make run`: the job worker and the web app side by side. When the web app exits, or Ctrl-C /
# SIGTERM arrives, the web app is stopped and the worker gets one SIGTERM (it finishes its current
# job, then exits) and is waited for.
set -u
BIN=${BIN:-.venv/bin}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-5000}

# setsid: a Ctrl-C at the terminal reaches this script, not the worker directly, so the worker
# gets exactly one signal and finishes its job instead of dropping it.
setsid "$BIN/carehub" worker &
WORKER=$!
"$BIN/carehub" run --host "$HOST" --port "$PORT" &
WEB=$!

stop() {
  kill -TERM "$WEB" 2>/dev/null
  kill -TERM "$WORKER" 2>/dev/null
}
trap stop INT TERM
wait "$WEB"
status=$?
stop
wait "$WEB" 2>/dev/null
wait "$WORKER" 2>/dev/null
exit "$status"
