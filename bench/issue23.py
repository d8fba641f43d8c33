#!/usr/bin/env python3
"""The figures issue #23 quoted, measured again the way it measured them.

Usage: python3 bench/issue23.py storage|ingest|ceiling   (after python3 bench/bench.py --quick, or
cargo build --release --bin qcc-credit --example gen_input)

- storage: 3,000 keys, answers compact, spaced and indented: the first screening against the bytes
  received, and an unchanged re-screen's growth (the issue: 2.1x and +59-63% for spaced answers).
- ingest: --dry-run of 10,000, 250,000 and 1,000,000 rows, codes ascending and scattered: time,
  bytes written per row (the kernel's count), peak memory (the issue: 36-40 s, 3.26 KB per row
  against 0.58 KB at 10,000).
- ceiling: a hard 20/s sliding-window ceiling, 20-60 ms latency, --qps 60, 2,000 rows: billed calls
  per second over the run and the share answered 120 (the issue: 96%, 5.5%).
"""
import sys, os, sqlite3, subprocess, tempfile, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import Sim, measure, GEN, LAST_WRITTEN
tmp = tempfile.mkdtemp(prefix="remeasure-")
what = sys.argv[1]
if what == "storage":
    n = 3000
    inp = os.path.join(tmp, "k.csv"); subprocess.run([GEN, "known", str(n), inp], check=True)
    for style in ["compact", "spaced", "indented"]:
        db = os.path.join(tmp, f"{style}.sqlite")
        sim = Sim("--companies", str(n), "--json-style", style)
        args = ["run", "--input", inp, "--db", db, "--base-url", sim.base, "--qps", "100000", "--burst", "1000", "--concurrency", "32", "--no-progress"]
        measure(args); received = sim.stats()["body_bytes"]
        def size():
            c = sqlite3.connect(db); c.execute("PRAGMA wal_checkpoint(TRUNCATE)"); c.close(); return os.path.getsize(db)
        first = size()
        measure(args + ["--refresh-older-than", "0s", "--clock-shift", "2"])
        second = size(); sim.stop()
        print(f"{style}, {n} keys: {first/received:.2f}x the bytes received ({first/n:.0f} B/key for {received/n:.0f}); unchanged re-screen +{(second/first-1)*100:.1f}%")
elif what == "ceiling":
    n = 2000
    inp = os.path.join(tmp, "ceiling.csv"); subprocess.run([GEN, "known", str(n), inp], check=True)
    sim = Sim("--companies", str(n), "--qps-ceiling", "20", "--latency-ms", "20", "--latency-jitter-ms", "40")
    code, wall, cpu, rss = measure(["run", "--input", inp, "--db", os.path.join(tmp, "ceil.sqlite"),
                                    "--base-url", sim.base, "--qps", "60", "--no-progress"])
    st = sim.stats(); sim.stop()
    arr = sorted(st["arrivals_ms"]); span = (arr[-1] - arr[0]) / 1000
    share = st["by_status"].get("120", 0) / st["calls"]
    print(f"ceiling 20/s: {st['billed'] / span:.2f} billed calls/s over the run ({st['billed'] / span / 20 * 100:.1f}%), "
          f"{share * 100:.2f}% of {st['calls']} calls answered 120, {wall:.1f} s, exit {code}")
elif what == "ingest":
    for kind in ["csv", "shuffled"]:
        for n in [10_000, 250_000, 1_000_000]:
            inp = os.path.join(tmp, f"{kind}-{n}.csv"); subprocess.run([GEN, kind, str(n), inp], check=True)
            code, wall, cpu, rss = measure(["run", "--input", inp, "--db", os.path.join(tmp, f"{kind}-{n}.sqlite"), "--dry-run", "--no-progress"])
            print(f"ingest --dry-run, {kind}, {n} rows: {wall:.2f} s wall, {cpu:.2f} s CPU, {LAST_WRITTEN[0]/n:.0f} B written/row, peak {rss:.1f} MiB, exit {code}")
