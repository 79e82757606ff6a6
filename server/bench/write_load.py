#!/usr/bin/env python3
"""Write throughput of a running kapacitord over HTTP (loopback): defines N
enabled tasks of one shape (from / window / alert, Kapacitor's benchmark
shapes), posts batches of 5,000 points to /write on one keep-alive
connection from this separate process, and reports points/s (until every
task has consumed every point, read from the tasks' stats) and the p99
write latency. Compare with `cargo bench -p runtime --bench engine`.

usage: write_load.py HOST:PORT SHAPE TASKS [BATCHES]
"""
import http.client, json, sys, time

host, shape, ntasks = sys.argv[1], sys.argv[2], int(sys.argv[3])
batches = int(sys.argv[4]) if len(sys.argv) > 4 else 40
BATCH = 5000
head = "dbrp \"db\".\"rp\"\nstream|from().measurement('cpu')"
script = {
    "from": head + "\n",
    "window": head + "|window().period(10s).every(10s)|count('usage_idle')\n",
    "alert": head + "|alert().id('{{ .Name }}_{{ .TaskName }}')"
    ".info(lambda: \"usage_idle\" < 90).warn(lambda: \"usage_idle\" < 80).crit(lambda: \"usage_idle\" < 70)\n",
}[shape]

conn = http.client.HTTPConnection(host)

def call(method, path, body=None):
    conn.request(method, path, body=body)
    r = conn.getresponse()
    return r.status, r.read()

for i in range(ntasks):
    call("DELETE", f"/kapacitor/v1/tasks/bench{i}")
    s, b = call("POST", "/kapacitor/v1/tasks",
                json.dumps({"id": f"bench{i}", "script": script, "status": "enabled"}))
    assert s == 200, b

bodies = []
for k in range(batches + 1):
    lines = []
    for i in range(BATCH):
        t = (k * BATCH + i) * 1000000
        lines.append(f"cpu,host=h{i % 100} usage_idle={i % 100} {t}")
    bodies.append(("\n".join(lines) + "\n").encode())

def consumed():
    total = None
    for i in range(ntasks):
        s, b = call("GET", f"/kapacitor/v1/tasks/bench{i}?fields=stats")
        n = json.loads(b)["stats"]["node-stats"]["stream0"]["collected"]
        total = n if total is None else min(total, n)
    return total

assert call("POST", "/write?db=db&rp=rp", bodies[0])[0] == 204
while consumed() < BATCH:
    time.sleep(0.01)
lat = []
start = time.perf_counter()
for body in bodies[1:]:
    t = time.perf_counter()
    s, b = call("POST", "/write?db=db&rp=rp", body)
    lat.append(time.perf_counter() - t)
    assert s == 204, b
want = (batches + 1) * BATCH
while consumed() < want:
    time.sleep(0.005)
secs = time.perf_counter() - start
lat.sort()
p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
print(f"http   {shape:6} tasks={ntasks:3}: {batches * BATCH / secs:10.0f} points/s, "
      f"p99 write latency {p99 * 1000:.1f} ms")
for i in range(ntasks):
    call("DELETE", f"/kapacitor/v1/tasks/bench{i}")
