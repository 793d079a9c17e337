#!/usr/bin/env python3
"""Helpers for bench/cluster.sh: progress lines and the markdown tables of a cluster run.

  cluster_report.py brief                     < lines   one human line per point (progress on stderr)
  cluster_report.py tables RAW P99 CAP COMMAND NOTE     markdown on stdout

RAW holds loadgen's JSON lines tagged by bench/report.py (bench = route|idle, kind = the setup), with
`procs` (CPU or RSS per watched process) and `redis` (commands over the traffic window).
"""
import json
import sys
import time

CLUSTER = ("leader", "gateway", "split", "proxy")


def lines(stream):
    return [json.loads(l) for l in stream if l.strip().startswith("{")]


def clean(r):
    return r.get("mode") == "chat" and r.get("pass") is True


def p99(r):
    return (r.get("delivery") or {}).get("p99_ms", float("inf"))


def fmt(v, nd=1):
    return "-" if v is None else f"{v:.{nd}f}"


def procs_cpu(r):
    return ", ".join(f"{p['name']} {fmt(p.get('cpu_us_per_msg'))}" for p in r.get("procs") or [])


def top_per_msg(red, routed, n=4):
    if not red or not routed or "top" not in red:
        return "-"
    return ", ".join(f"{c} {calls / routed:.2f}" for c, calls in red["top"][:n])


def brief(r):
    s = r.get("kind")
    if r.get("mode") == "chat":
        d = r.get("delivery", {})
        red = r.get("redis") or {}
        return (f"{s} rate={r['rate']:.0f} achieved={r['achieved_rate']:.0f} p50={d.get('p50_ms')} "
                f"p99={d.get('p99_ms')} loss={r['loss']} dups={r['dups']} unacked={r['unacked']} "
                f"errors={r['errors']} µs/msg: {procs_cpu(r)} | redis cmds/msg={red.get('per_msg', '-')} "
                f"({top_per_msg(red, r.get('delivered'))}) others={r.get('other_cpu_pct')}%")
    if r.get("mode") == "idle":
        ps = ", ".join(f"{p['name']} {fmt(p.get('kib_per_conn'), 2)} KiB" for p in r.get("procs") or [])
        return f"idle {s} opened={r['opened']}/{r['requested']} per connection: {ps}"
    return f"{r.get('bench')} {s} ERROR {r.get('error')}"


def best(points, limit):
    """(highest rate passing with zero loss and p99 <= limit, its point, the first failing point)."""
    ok, fail = None, None
    for r in sorted(points, key=lambda r: r.get("rate") or 0):
        if clean(r) and p99(r) <= limit:
            ok = r
        else:
            fail = r
            break
    return ok, fail


def why(r):
    if r is None:
        return "none failed"
    if r.get("mode") != "chat":
        return f"{r.get('rate') or ''} failed: {str(r.get('error'))[:80]}"
    if not clean(r):
        return (f"{r['rate']:.0f}: loss {r.get('loss')} unacked {r.get('unacked')} dups {r.get('dups')} "
                f"errors {str(r.get('errors'))[:60]}")
    return f"{r['rate']:.0f}: p99 {p99(r):.1f} ms"


def tables(raw, limit, cap, command, note):
    rs = lines(open(raw))
    route = [r for r in rs if r.get("bench") == "route"]
    idle = [r for r in rs if r.get("bench") == "idle"]
    setups = list(dict.fromkeys(r["kind"] for r in route))
    rates = sorted({r["rate"] for r in route if r.get("rate")})
    by = {s: [r for r in route if r["kind"] == s] for s in setups}
    chats = sorted({r.get("chats") for r in route if r.get("chats")})
    print(f"## Cluster benchmark, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n")
    print(f"`{command}` ({note}); {', '.join(map(str, chats))} chats; one run per point, fresh processes each; "
          f"load average {open('/proc/loadavg').read().split()[0]} at the end.\n")

    print(f"### Routed msg/s with zero loss at p99 <= {limit:g} ms and at p99 <= {cap:g} ms\n")
    print(f"| setup | msg/s at p99 <= {limit:g} ms | p99 ms there | msg/s at p99 <= {cap:g} ms | p99 ms there "
          "| next rate: why it failed |")
    print("|---|---:|---:|---:|---:|---|")
    maxrate = {}
    for s in setups:
        a, _ = best(by[s], limit)
        b, fail = best(by[s], cap)
        maxrate[s] = (a["rate"] if a else 0, b["rate"] if b else 0)
        print(f"| {s} | {maxrate[s][0]:.0f} | {fmt(p99(a), 2) if a else '-'} | {maxrate[s][1]:.0f} | "
              f"{fmt(p99(b), 2) if b else '-'} | {why(fail)} |")

    print("\n### CPU time per routed message (µs, each process, over the traffic and drain window)\n")
    print("| setup | process | " + " | ".join(f"{x:.0f}/s" for x in rates) + " |")
    print("|---|---|" + "---:|" * len(rates))
    for s in setups:
        names = list(dict.fromkeys(p["name"] for r in by[s] for p in r.get("procs") or []))
        pts = [next((r for r in by[s] if r.get("rate") == x and r.get("mode") == "chat"), None) for x in rates]
        for n in names + ["all"]:
            cells = []
            for r in pts:
                ps = (r or {}).get("procs") or []
                vals = [p.get("cpu_us_per_msg") for p in ps if n in ("all", p["name"])]
                cells.append(fmt(sum(v for v in vals if v is not None)) if vals else "-")
            label = f"**all**" if n == "all" else n
            print(f"| {s} | {label} | " + " | ".join(cells) + " |")

    print("\n### Redis commands per routed message (INFO commandstats over the traffic window; commands run "
          "by a Lua script count besides its EVALSHA)\n")
    print("| setup | " + " | ".join(f"{x:.0f}/s" for x in rates) + " | busiest commands per message, at the highest rate run |")
    print("|---|" + "---:|" * len(rates) + "---|")
    for s in setups:
        pts = [next((r for r in by[s] if r.get("rate") == x and r.get("mode") == "chat"), None) for x in rates]
        if not any((r or {}).get("redis") for r in pts):
            continue
        cells = [fmt(((r or {}).get("redis") or {}).get("per_msg"), 2) for r in pts]
        last = [r for r in pts if r and r.get("redis")][-1]
        print(f"| {s} | " + " | ".join(cells) + f" | {top_per_msg(last['redis'], last.get('delivered'), 6)} |")

    print("\n### Every point\n")
    print("| setup | target msg/s | achieved | delivery p50 ms | p99 ms | p99.9 ms | lost / dups | unacked | errors "
          "| other CPU % |")
    print("|---|---:|---:|---:|---:|---:|---|---:|---|---:|")
    for s in setups:
        for r in sorted(by[s], key=lambda r: r.get("rate") or 0):
            if r.get("mode") != "chat":
                print(f"| {s} | {r.get('rate') or ''} | failed: {str(r.get('error'))[:80]} | | | | | | | |")
                continue
            d = r.get("delivery", {})
            print(f"| {s} | {r['rate']:.0f} | {r['achieved_rate']:.0f} | {d.get('p50_ms')} | {d.get('p99_ms')} | "
                  f"{d.get('p999_ms')} | {r['loss']} / {r['dups']} | {r['unacked']} | {r['errors'] or ''} | "
                  f"{r.get('other_cpu_pct')} |")

    kib = {}
    if idle:
        print("\n### Idle weight: RSS growth per idle visitor connection (hello done)\n")
        print("| setup | visitors connected to | process | connections | KiB per connection | RSS after (MiB) |")
        print("|---|---|---|---:|---:|---:|")
        for r in idle:
            s = r["kind"]
            if r.get("mode") != "idle":
                print(f"| {s} | | failed: {str(r.get('error'))[:80]} | | | |")
                continue
            to = "the node" if s == "single" else "the gateway (second node)"
            for p in r.get("procs") or []:
                kib[(s, p["name"])] = p.get("kib_per_conn") if r["opened"] == r["requested"] else None
                after = p.get("rss_after")
                print(f"| {s} | {to} | {p['name']} | {r['opened']}/{r['requested']} | {fmt(p.get('kib_per_conn'), 2)} | "
                      f"{fmt(after / 2**20 if after else None)} |")

    print("\n### Targets (issue 17)\n")
    print("| target | measured | met |")
    print("|---|---|---|")
    sio = maxrate.get("socketio")
    for s in CLUSTER:
        if s not in maxrate or sio is None:
            continue
        for i, lim in enumerate((limit, cap)):
            a, b = maxrate[s][i], sio[i]
            ratio = f"{a / b:.2f}x ({a:.0f} vs {b:.0f} msg/s)" if b else f"{a:.0f} vs {b:.0f} msg/s"
            met = "yes" if b and a >= 3 * b else ("no" if b else "n/a (socketio passed no rate)")
            print(f"| {s} >= 3x socketio at p99 <= {lim:g} ms | {ratio} | {met} |")
    for s in CLUSTER:
        pts = [r for r in by.get(s, []) if clean(r) and p99(r) <= cap and (r.get("redis") or {}).get("per_msg")]
        if pts:
            r = max(pts, key=lambda r: r["rate"])
            v = r["redis"]["per_msg"]
            print(f"| {s}: <= 4 Redis commands per routed message (at {r['rate']:.0f}/s) | {v:.2f} | "
                  f"{'yes' if v <= 4 else 'no'} |")
    single = kib.get(("single", "node"))
    for proc in ("gateway", "leader"):
        v = kib.get(("gateway", proc))
        if v is None:
            continue
        ok = v <= 8 and (single is None or v <= single * 1.1)
        print(f"| idle visitor on a gateway: {proc} process <= 8 KiB and no heavier than a single node "
              f"({fmt(single, 2)} KiB) | {v:.2f} KiB | {'yes' if ok else 'no'} |")
    other = [r.get("other_cpu_pct") for r in route if r.get("other_cpu_pct") is not None]
    if other:
        print(f"\nCPU used by processes outside the setup during the timed points (% of one CPU): "
              f"max {max(other):.0f}; above 20%: {sum(o > 20 for o in other)} of {len(other)}.")


def main():
    if sys.argv[1] == "brief":
        for r in lines(sys.stdin):
            print(brief(r))
    elif sys.argv[1] == "tables":
        tables(sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), sys.argv[5], sys.argv[6])


if __name__ == "__main__":
    main()
