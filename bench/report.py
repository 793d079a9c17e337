#!/usr/bin/env python3
"""Helpers for bench/run.sh: tag and judge loadgen's JSON lines, and print the markdown tables.

  report.py tag BENCH KIND          < line    add bench/kind/loadavg to one loadgen JSON line
  report.py brief                   < lines   one human line per result (progress on stderr)
  report.py can-pass P99 RUNS       < lines   exit 1 once a routing point can no longer pass
  report.py point-pass P99          < lines   exit 0 if a routing point passed (no loss, median p99 <= P99)
  report.py tables P99 CAP RAW OUT.json       markdown tables on stdout, summary JSON to OUT.json
  report.py noisy PCT                < line    exit 0 if other processes used more than PCT % of a CPU
  report.py quiet SECONDS                     wait (at most SECONDS) until other load leaves the CPUs idle
"""
import json
import os
import statistics
import sys
import time


def lines(stream):
    return [json.loads(l) for l in stream if l.strip().startswith("{")]


def clean(r):
    """No loss, duplicate, unacked or undelivered message and no error frame."""
    return r.get("mode") == "chat" and r.get("pass") is True


def p99(r):
    return (r.get("delivery") or {}).get("p99_ms", float("inf"))


def run_ok(r, limit):
    return clean(r) and p99(r) <= limit


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def brief(r):
    b, k = r.get("bench"), r.get("kind")
    if r.get("mode") == "chat":
        d = r.get("delivery", {})
        return (f"{b} {k} chats={r['chats']} rate={r['rate']:.0f} achieved={r['achieved_rate']:.0f} "
                f"p50={d.get('p50_ms')} p99={d.get('p99_ms')} max={d.get('max_ms')} loss={r['loss']} "
                f"unacked={r['unacked']} dups={r['dups']} errors={r['errors']} cpu gen/srv="
                f"{r.get('generator_cpu_pct')}/{r.get('server_cpu_pct')}% srv_us/msg={r.get('server_cpu_us_per_msg')} "
                f"others={r.get('other_cpu_pct')}%")
    if r.get("mode") == "idle":
        return f"{b} {k} n={r['requested']} opened={r['opened']} KiB/conn={r.get('kib_per_conn')} busy_before={r.get('busy_before_pct')}%"
    if r.get("mode") == "connect":
        lat = r.get("latency", {})
        return (f"{b} {k} n={r['requested']} opened={r['opened']} conn/s={r['conn_per_s']} "
                f"p50={lat.get('p50_ms')} p99={lat.get('p99_ms')} cpu gen/srv={r.get('generator_cpu_pct')}/"
                f"{r.get('server_cpu_pct')}% others={r.get('other_cpu_pct')}%")
    return f"{b} {k} ERROR {r.get('error')}"


def tables(limit, cap, raw, out):
    rs = lines(open(raw))
    kinds = list(dict.fromkeys(r["kind"] for r in rs))
    summary = {"p99_limit_ms": limit, "capacity_p99_ms": cap, "idle": [], "connect": [], "route": []}
    print("### Idle density (server RSS growth per idle visitor connection, median)\n")
    print("| server | connections | KiB per connection | server RSS after (MiB) | runs |")
    print("|---|---:|---:|---:|---:|")
    for k in kinds:
        for n in sorted({r["requested"] for r in rs if r["bench"] == "idle" and r["kind"] == k}):
            g = [r for r in rs if r["bench"] == "idle" and r["kind"] == k and r.get("requested") == n]
            ok = [r for r in g if r.get("opened") == n]
            kib, after = med([r.get("kib_per_conn") for r in ok]), med([r.get("rss_after") for r in ok])
            summary["idle"].append({"kind": k, "connections": n, "kib_per_conn": kib, "rss_after": after, "runs": len(ok)})
            mib = f"{after / 2**20:.1f}" if after else "-"
            print(f"| {k} | {n} | {kib if kib is not None else 'failed'} | {mib} | {len(ok)}/{len(g)} |")
    print("\n### Connection setup (handshake + hello -> welcome, 64 in flight, median)\n")
    print("| server | connections | conn/s | p50 ms | p99 ms | server CPU % | generator CPU % | runs |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for k in kinds:
        g = [r for r in rs if r["bench"] == "connect" and r["kind"] == k]
        ok = [r for r in g if r.get("pass")]
        if not g:
            continue
        cps = med([r.get("conn_per_s") for r in ok])
        l50 = med([r["latency"].get("p50_ms") for r in ok])
        l99 = med([r["latency"].get("p99_ms") for r in ok])
        summary["connect"].append({"kind": k, "connections": g[0].get("requested"), "conn_per_s": cps, "p50_ms": l50, "p99_ms": l99})
        scpu, gcpu = med([r.get("server_cpu_pct") for r in ok]), med([r.get("generator_cpu_pct") for r in ok])
        print(f"| {k} | {g[0].get('requested')} | {cps if cps is not None else 'failed'} | {l50} | {l99} | {scpu} | {gcpu} | {len(ok)}/{len(g)} |")
    summary["route"] = route_table(rs, kinds, limit)
    summary["route_capacity"] = route_table(rs, kinds, cap, capacity=True)
    print("\n### Server CPU time per routed message (µs, median; every rate each server ran, passing or not)\n")
    rates = sorted({r["rate"] for r in rs if r["bench"] == "route" and r.get("rate")})
    print("| server | chats | " + " | ".join(f"{x:.0f}/s" for x in rates) + " |")
    print("|---|---:|" + "---:|" * len(rates))
    for k, c, g in route_groups(rs, kinds):
        cells = []
        for pts in by_rate(g, rates):
            v = med([r.get("server_cpu_us_per_msg") for r in pts])
            cells.append("-" if v is None else f"{v:.1f}")
        summary.setdefault("cpu_us_per_msg", []).append({"kind": k, "chats": c, "by_rate": dict(zip(rates, cells))})
        print(f"| {k} | {c} | " + " | ".join(cells) + " |")
    print("\n### Routing p99 of every run (ms; a point counts its median, a failed run shows `fail`)\n")
    print("| server | chats | " + " | ".join(f"{x:.0f}/s" for x in rates) + " |")
    print("|---|---:|" + "---|" * len(rates))
    for k, c, g in route_groups(rs, kinds):
        cells = [", ".join(f"{p99(r):.1f}" if clean(r) else "fail" for r in pts) or "-" for pts in by_rate(g, rates)]
        print(f"| {k} | {c} | " + " | ".join(cells) + " |")
    print("\n### Targets (issue 4)\n")
    print("| target | measured | met |")
    print("|---|---|---|")
    idle = {(i["kind"], i["connections"]): i["kib_per_conn"] for i in summary["idle"]}
    for (k, n), kib in idle.items():
        if k == "switchboard":
            print(f"| idle memory <= 8 KiB/connection at {n} | {kib} KiB | {'yes' if kib is not None and kib <= 8 else 'no'} |")
    route = {(r["kind"], r["chats"]): r["max_rate"] for r in summary["route"]}
    sb = route.get(("switchboard", 1000))
    if sb is not None:
        print(f"| routing >= 50,000 msg/s with 1k chats | {sb:.0f} msg/s | {'yes' if sb >= 50000 else 'no'} |")
    conn = {c["kind"]: c["conn_per_s"] for c in summary["connect"]}
    if conn.get("switchboard") is not None:
        print(f"| connection setup >= 10,000/s | {conn['switchboard']:.0f}/s | {'yes' if conn['switchboard'] >= 10000 else 'no'} |")
    for rel, factor, cmp in (("relay-rust", 0.6, ">="), ("relay-ws", 1.8, ">="), ("relay-socketio", 4.0, ">=")):
        for c in sorted({r["chats"] for r in summary["route"]}):
            a, b = route.get(("switchboard", c)), route.get((rel, c))
            if a is None or not b:
                continue
            ratio = a / b
            print(f"| routing >= {factor}x {rel} ({c} chats) | {ratio:.2f}x ({a:.0f} vs {b:.0f}) | {'yes' if ratio >= factor else 'no'} |")
    capr = {(r["kind"], r["chats"]): r["max_rate"] for r in summary["route_capacity"]}
    for c in sorted({r["chats"] for r in summary["route_capacity"]}):
        a, b = capr.get(("switchboard", c)), capr.get(("relay-rust", c))
        if a is not None and b:
            print(f"| (for scale) capacity at p99 <= {cap:.0f} ms vs relay-rust ({c} chats) | {a / b:.2f}x ({a:.0f} vs {b:.0f}) | - |")
    other = [r.get("other_cpu_pct") for r in rs if r.get("other_cpu_pct") is not None]
    if other:
        print(f"\nCPU used by other processes during the kept timed points (% of one CPU): median {med(other):.0f}, "
              f"max {max(other):.0f}; above 20%: {sum(b > 20 for b in other)} of {len(other)}.")
        summary["other_cpu_pct"] = {"median": med(other), "max": max(other)}
    json.dump(summary, open(out, "w"), indent=1)


def route_groups(rs, kinds):
    """(server, chats, its routing runs) for every server and chat count that ran."""
    for k in kinds:
        for c in sorted({r.get("chats") for r in rs if r["bench"] == "route" and r["kind"] == k and r.get("chats")}):
            yield k, c, [r for r in rs if r["bench"] == "route" and r["kind"] == k and r.get("chats") == c]


def by_rate(g, rates):
    """The runs of one group at each of `rates`."""
    return [[r for r in g if r.get("rate") == x] for x in rates]


def route_table(rs, kinds, limit, capacity=False):
    """The highest swept rate at which every run was clean and the median p99 stayed within `limit`."""
    rows = []
    if capacity:
        print(f"\n### Routing capacity: highest rate with zero loss and median p99 <= {limit} ms\n")
    else:
        print(f"\n### Routing: highest rate with zero loss and median p99 <= {limit} ms\n")
    print("| server | chats | max passing rate (msg/s) | p50 ms | p99 ms | p99.9 ms | server CPU % | server CPU µs/msg | generator CPU % | next rate: why it failed |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for k, c, g in route_groups(rs, kinds):
        best, fail = None, None
        for rate in sorted({r["rate"] for r in g if r.get("rate")}):
            pts = [r for r in g if r.get("rate") == rate]
            if all(clean(r) for r in pts) and med([p99(r) for r in pts]) <= limit:
                best = (rate, pts)
            else:
                errs = [r.get("error") or f"loss {r.get('loss')} unacked {r.get('unacked')} dups {r.get('dups')} "
                        f"errors {r.get('errors')}" for r in pts if not clean(r)]
                why = f"failed: {str(errs[0])[:90]}" if errs else f"p99 {med([p99(r) for r in pts]):.1f} ms"
                fail = f"{rate:.0f}: {why}"
                break
        row = {"kind": k, "chats": c, "max_rate": best[0] if best else 0, "failed_at": fail}
        if best:
            pts = best[1]
            for key in ("p50_ms", "p99_ms", "p999_ms"):
                row[key] = round(med([r["delivery"].get(key) for r in pts]), 2)
            row["server_cpu_pct"] = med([r.get("server_cpu_pct") for r in pts])
            row["server_cpu_us_per_msg"] = med([r.get("server_cpu_us_per_msg") for r in pts])
            row["generator_cpu_pct"] = med([r.get("generator_cpu_pct") for r in pts])
        rows.append(row)
        print(f"| {k} | {c} | {row['max_rate']:.0f} | {row.get('p50_ms', '-')} | {row.get('p99_ms', '-')} | "
              f"{row.get('p999_ms', '-')} | {row.get('server_cpu_pct', '-')} | {row.get('server_cpu_us_per_msg', '-')} | "
              f"{row.get('generator_cpu_pct', '-')} | {fail or 'none failed'} |")
    return rows


def busy_pct(interval=0.5):
    """Share of both CPUs busy over `interval`, from /proc/stat (between points nothing of ours runs)."""
    def snap():
        f = [int(x) for x in open("/proc/stat").readline().split()[1:]]
        return sum(f), f[3] + f[4]
    t0, i0 = snap()
    time.sleep(interval)
    t1, i1 = snap()
    return 100.0 * (1 - (i1 - i0) / max(1, t1 - t0))


def quiet(max_wait, threshold=10.0):
    """Other sessions' builds share this machine; start a point only when the CPUs are idle, or give up
    after max_wait seconds and record how busy they were."""
    end = time.time() + max_wait
    b = busy_pct()
    while b > threshold and time.time() < end:
        b = busy_pct(1.0)
    print(round(b, 1))


def main():
    cmd = sys.argv[1]
    if cmd == "tag":
        r = json.loads(sys.stdin.read().strip() or '{"mode":"error","error":"empty","pass":false}')
        r["bench"], r["kind"], r["attempt"] = sys.argv[2], sys.argv[3], int(sys.argv[4]) if len(sys.argv) > 4 else 1
        r["loadavg"] = open("/proc/loadavg").read().split()[0]
        if os.environ.get("BUSY_BEFORE"):
            r["busy_before_pct"] = float(os.environ["BUSY_BEFORE"])
        print(json.dumps(r, separators=(",", ":")))
    elif cmd == "brief":
        for r in lines(sys.stdin):
            print(brief(r))
    elif cmd == "can-pass":
        limit, runs = float(sys.argv[2]), int(sys.argv[3])
        rs = lines(sys.stdin)
        bad = sum(not run_ok(r, limit) for r in rs)
        sys.exit(1 if any(not clean(r) for r in rs) or bad > runs // 2 or (runs - len(rs)) < 0 else 0)
    elif cmd == "point-pass":
        limit = float(sys.argv[2])
        rs = lines(sys.stdin)
        sys.exit(0 if rs and all(clean(r) for r in rs) and med([p99(r) for r in rs]) <= limit else 1)
    elif cmd == "noisy":
        r = lines(sys.stdin)[0]
        sys.exit(0 if (r.get("other_cpu_pct") or 0) > float(sys.argv[2]) else 1)
    elif cmd == "quiet":
        quiet(float(sys.argv[2]))
    elif cmd == "tables":
        tables(float(sys.argv[2]), float(sys.argv[3]), sys.argv[4], sys.argv[5])


if __name__ == "__main__":
    main()
