#!/bin/sh
# `make run`: the demo region with its ESIA emulator, on loopback.
#   1. `eschool demo --if-empty` fills an empty database (a living region: schools, people, a journal up to
#      today) and writes the emulator's test persons; an existing demo is kept.
#   2. The ESIA emulator («Госуслуги») serves those persons on 127.0.0.1:$ESIA_PORT in the background.
#   3. With the portal plugin enabled: the Adapter emulator with its portal page on 127.0.0.1:$ADAPTER_PORT and
#      the portal worker, in the background.
#   4. The app serves http://127.0.0.1:$PORT/; when it stops (Ctrl+C), the emulators and the worker stop too.
# Environment: BIN (.venv/bin), CONFIG (regions/demo.toml), PORT (5000), ESIA_PORT (5001), ADAPTER_PORT (5002),
# STUDENTS (600), ESCHOOL_INSTANCE (./instance).
set -eu
BIN=${BIN:-.venv/bin}
CONFIG=${CONFIG:-regions/demo.toml}
PORT=${PORT:-5000}
ESIA_PORT=${ESIA_PORT:-5001}
ADAPTER_PORT=${ADAPTER_PORT:-5002}  # must be the port of [portal] adapter_url (the worker reads that)
STUDENTS=${STUDENTS:-600}
INSTANCE=${ESCHOOL_INSTANCE:-$PWD/instance}

# The app sends people to [auth_esia] base_url and the emulator listens there: one port for both.
"$BIN/python" tools/demo_region.py "$CONFIG" "$ESIA_PORT" "$INSTANCE/demo-region.toml"
CONFIG="$INSTANCE/demo-region.toml"

"$BIN/eschool" --config "$CONFIG" demo --if-empty --students "$STUDENTS" >/dev/null

"$BIN/eschool" --config "$CONFIG" esia-emulator --persons "$INSTANCE/esia-persons.toml" --port "$ESIA_PORT" \
    --redirect-uri "http://127.0.0.1:$PORT/" --redirect-uri "http://localhost:$PORT/" \
    >"$INSTANCE/esia-emulator.log" 2>&1 &
EMULATOR=$!
PORTAL_PIDS=""
trap 'kill "$EMULATOR" $PORTAL_PIDS 2>/dev/null || true' EXIT
trap 'exit 130' INT TERM

# Wait until the emulator answers (it makes its keys on the first start).
"$BIN/python" - "$ESIA_PORT" "$EMULATOR" <<'PY'
import os, socket, sys, time
port, pid = int(sys.argv[1]), int(sys.argv[2])
for _ in range(300):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        sys.exit(0)
    except OSError:
        try:
            os.kill(pid, 0)
        except OSError:
            sys.exit("the ESIA emulator did not start: see instance/esia-emulator.log")
        time.sleep(0.1)
sys.exit("the ESIA emulator did not answer on port %d" % port)
PY

PORTAL=""
if "$BIN/eschool" --config "$CONFIG" plugins 2>/dev/null | grep -q '^portal .*enabled'; then
    PORTAL=1
    "$BIN/eschool" --config "$CONFIG" portal adapter-emulator --port "$ADAPTER_PORT" \
        --persons "$INSTANCE/esia-persons.toml" >"$INSTANCE/portal-adapter.log" 2>&1 &
    PORTAL_PIDS="$!"
    "$BIN/eschool" --config "$CONFIG" portal worker --worker-id demo >"$INSTANCE/portal-worker.log" 2>&1 &
    PORTAL_PIDS="$PORTAL_PIDS $!"
fi

"$BIN/eschool" --config "$CONFIG" demo --if-empty | sed '1d'
echo
echo "Электронная школа:        http://127.0.0.1:$PORT/   (вход: http://127.0.0.1:$PORT/login)"
echo "Госуслуги (эмулятор ЕСИА): http://127.0.0.1:$ESIA_PORT/"
if [ -n "$PORTAL" ]; then
    echo "Портал госуслуг (эмулятор): http://127.0.0.1:$ADAPTER_PORT/portal/   — войдите как родитель из списка Госуслуг,"
    echo "    подайте заявление на ребёнка и следите за статусами; ответ готовит обработчик (instance/portal-worker.log)."
    echo "    Оператор региона видит заявления на http://127.0.0.1:$PORT/portal/applications"
fi
echo "The command line: $BIN/eschool --config $CONFIG --help   (or: source $BIN/activate)"
echo "Stop with Ctrl+C."
echo
"$BIN/eschool" --config "$CONFIG" run --host 127.0.0.1 --port "$PORT"
