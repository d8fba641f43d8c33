"""The rate case of bench.py for several binaries side by side: achieved calls/s and the busiest
one-second window of the simulator's arrival times.

Usage: python3 bench/rate_ab.py CALLS QPS BIN [BIN...]   (200 ms latency, --concurrency 16)
"""
import os, sys, subprocess, tempfile
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench
n = int(sys.argv[1]); qps = sys.argv[2]; bins = sys.argv[3:]
tmp = tempfile.mkdtemp()
inp = os.path.join(tmp, "rate.csv")
subprocess.run([bench.GEN, "known", str(n), inp], check=True)
for b in bins:
    sim = bench.Sim("--companies", str(n), "--latency-ms", "200")
    db = os.path.join(tmp, f"r{abs(hash(b))}.sqlite")
    for f in [db]:
        if os.path.exists(f): os.remove(f)
    code, wall, cpu, rss = bench.measure(["run", "--input", inp, "--db", db, "--base-url", sim.base, "--qps", qps, "--concurrency", "16", "--no-progress"], binary=b)
    arr = sorted(sim.stats()["arrivals_ms"]); sim.stop()
    span = (arr[-1] - arr[0]) / 1000
    j, peak = 0, 0
    for i, t in enumerate(arr):
        while arr[j] <= t - 1000: j += 1
        peak = max(peak, i - j + 1)
    print(f"{b}: {len(arr)} calls, achieved {(len(arr)-1)/span:.2f}/s at --qps {qps}, busiest {peak}, exit {code}")
    os.remove(db)
