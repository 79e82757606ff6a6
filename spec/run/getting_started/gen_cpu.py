#!/usr/bin/env python3
"""Deterministic cpu series for the Getting Started spec cases.

Three hosts (two services, two datacenters), one point every 10s for 30
minutes starting 2026-01-01T00:00:00Z, usage_idle around 90 with a small
deterministic wobble. Host web01 dips below 70 for the minute 00:20
(the threshold alert); web01 and db01 collapse to ~20 for 30s at 00:25
(the load spike sigma catches). Prints line protocol with second precision.
Arguments: the hosts to include (default: all), e.g. `gen_cpu.py web01`.
"""

import sys

START = 1767225600  # 2026-01-01T00:00:00Z
HOSTS = [("web01", "web", "us-east"), ("web02", "web", "us-west"), ("db01", "db", "us-east")]

for step in range(180):
    t = START + step * 10
    for i, (host, service, dc) in enumerate(HOSTS):
        if len(sys.argv) > 1 and host not in sys.argv[1:]:
            continue
        wobble = ((step * 7 + i * 3) % 11) / 10.0  # 0.0 .. 1.0
        idle = 90.0 + wobble
        if host == "web01" and 120 <= step < 126:
            idle = 65.0 + wobble
        if host in ("web01", "db01") and 150 <= step < 153:
            idle = 20.0 + wobble
        print(f"cpu,cpu=cpu-total,datacenter={dc},host={host},service={service} "
              f"usage_idle={idle:.1f},usage_user={100 - idle:.1f} {t}")
