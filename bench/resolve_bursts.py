#!/usr/bin/env python3
"""Bursts of conversations resolved by the inactivity rule, from a hub's log (a soak's server.err).

    python3 bench/resolve_bursts.py bench/results/soak-<stamp>/server.err

Each line `resolving a conversation whose visitor has gone` carries the hub's timestamp; lines less than
5 s apart form one burst. Prints each burst's start, size and span (first to last line): with every timer
fired in one turn the span is the hub's own time on the burst, during which no message is handled."""
import datetime
import sys

stamps = []
for line in open(sys.argv[1], errors="replace"):
    if "resolving a conversation whose visitor has gone" in line:
        stamps.append(datetime.datetime.fromisoformat(line.split()[0].replace("Z", "+00:00")))
bursts = []
for t in stamps:
    if bursts and (t - bursts[-1][-1]).total_seconds() < 5:
        bursts[-1].append(t)
    else:
        bursts.append([t])
print("| burst start (UTC) | conversations | span ms |\n|---|---|---|")
for b in bursts:
    print(f"| {b[0].time().isoformat(timespec='milliseconds')} | {len(b)} | {(b[-1] - b[0]).total_seconds() * 1000:.1f} |")
