#!/usr/bin/env python3
"""How fast this machine's disk makes a small append durable: 1,000 x (16 KiB append + fdatasync).

Usage: python3 bench/fsync_probe.py [DIR]   (default: the current directory; the file is removed after)
The hub's commit is one such sync per batch, so its latency tail is bounded below by this one.
"""
import os
import sys
import time

path = os.path.join(sys.argv[1] if len(sys.argv) > 1 else ".", ".fsync-probe")
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
try:
    block = b"x" * 16384
    took = []
    for _ in range(1000):
        os.write(fd, block)
        start = time.perf_counter()
        os.fdatasync(fd)
        took.append((time.perf_counter() - start) * 1000)
finally:
    os.close(fd)
    os.unlink(path)
took.sort()
print(f"fsync probe: 16 KiB append + fdatasync x1000: p50 {took[500]:.3f} p90 {took[900]:.3f} "
      f"p99 {took[990]:.3f} max {took[-1]:.3f} ms")
