#!/usr/bin/env bash
# Kapacitor's Getting Started in one command, with our binaries: build them,
# start `kapacitord` on its embedded defaults (HTTP on :9092, data in
# ~/.kapacitor, with HOME pointed at a temporary directory so nothing of
# yours is touched), define and enable `cpu_alert` with `kapacitor`, write cpu
# points through `/write` (standing in for InfluxDB), then show the alert
# log and `kapacitor list tasks`, and stop the server.
#
# PROFILE=debug builds without --release; KAPACITOR_HTTP_BIND_ADDRESS
# (e.g. 127.0.0.1:9192) moves the server when :9092 is taken.
set -euo pipefail
cd "$(dirname "$0")/.."

# curl stands in for InfluxDB's writes; Debian's Rust images have it, a minimal one may not.
command -v curl >/dev/null || { apt-get update -qq && apt-get install -y -qq curl; }

profile=${PROFILE:-release}
build_flags=(-q -p server --bin kapacitord -p cli --bin kapacitor)
[ "$profile" = release ] && build_flags+=(--release)
cargo build "${build_flags[@]}"
bin="$PWD/target/$profile"

work=$(mktemp -d)
bind=${KAPACITOR_HTTP_BIND_ADDRESS:-:9092}
host=${bind%:*}
export KAPACITOR_URL="http://${host:-localhost}:${bind##*:}"

HOME="$work" "$bin/kapacitord" -log-file "$work/kapacitord.log" &
server=$!
cleanup() {
    kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

for _ in $(seq 100); do
    curl -sf "$KAPACITOR_URL/kapacitor/v1/ping" >/dev/null && break
    kill -0 "$server" 2>/dev/null || { cat "$work/kapacitord.log"; exit 1; }
    sleep 0.1
done

cat > "$work/cpu_alert.tick" <<TICK
dbrp "kapacitor_example"."autogen"

stream
    // Select the cpu measurement.
    |from()
        .measurement('cpu')
    // A critical alert when the idle CPU drops below 70%.
    |alert()
        .crit(lambda: int("usage_idle") < 70)
        // Write each alert to a file.
        .log('$work/alerts.log')
TICK

echo "\$ kapacitor define cpu_alert -tick cpu_alert.tick && kapacitor enable cpu_alert"
"$bin/kapacitor" define cpu_alert -tick "$work/cpu_alert.tick"
"$bin/kapacitor" enable cpu_alert

# usage_idle 90 (OK), 50 (CRITICAL), 95 (OK again); mem is not routed to the task.
echo "\$ curl -XPOST '$KAPACITOR_URL/write?db=kapacitor_example&rp=autogen' --data-binary ..."
for line in 'cpu,host=serverA usage_idle=90' 'cpu,host=serverA usage_idle=50' \
    'mem,host=serverA used_percent=40' 'cpu,host=serverA usage_idle=95'; do
    curl -sf -XPOST "$KAPACITOR_URL/write?db=kapacitor_example&rp=autogen" --data-binary "$line"
    echo "  $line"
    sleep 0.2
done

for _ in $(seq 50); do
    [ "$(wc -l < "$work/alerts.log" 2>/dev/null || echo 0)" -ge 2 ] && break
    sleep 0.1
done
echo
echo "alerts.log (one JSON event per alert: CRITICAL, then OK):"
cat "$work/alerts.log"
echo
echo "\$ kapacitor list tasks"
"$bin/kapacitor" list tasks
