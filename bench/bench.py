#!/usr/bin/env python3
"""qcc-credit benchmarks: CPU per key (unthrottled and throttled), rate accuracy, the adaptive
rate against a ceiling and against random faults, storage per key, peak memory, ingest.

Usage: python3 bench/bench.py [--quick]

Everything runs on this machine against `qcc-credit simulate` in a separate process, so the
client's CPU and memory are measured alone (os.wait4 rusage of the client process). Each run's
figures are written to bench/runs/<UTC time>-<commit>.json; README quotes them.
"""
import datetime, json, os, socket, sqlite3, subprocess, sys, tempfile, time, urllib.request

QUICK = "--quick" in sys.argv
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target/release/qcc-credit")
GEN = os.path.join(ROOT, "target/release/examples/gen_input")
ENV = dict(os.environ, QCC_KEY="demo-key", QCC_SECRET_KEY="demo-secret", RUST_LOG="warn")
ENV.pop("QCC_BASE_URL", None)
ENV.pop("QCC_ENDPOINT", None)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


LAST_WRITTEN = [0]


def measure(args, binary=BIN):
    """Run the binary; return (exit code, wall seconds, cpu seconds, peak RSS MiB). The bytes it
    wrote to storage (the kernel's write_bytes, as rusage's ru_oublock in 512-byte blocks) are
    left in LAST_WRITTEN[0]."""
    t0 = time.monotonic()
    p = subprocess.Popen([binary] + args, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    err = p.stderr.read().decode(errors="replace")
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 5):
        print(err, file=sys.stderr)
    LAST_WRITTEN[0] = ru.ru_oublock * 512
    return code, wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024


class Sim:
    def __init__(self, *flags, binary=BIN):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.p = subprocess.Popen([binary, "simulate", "--listen", f"127.0.0.1:{self.port}", *flags],
                                  env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                self.stats()
                return
            except OSError:
                time.sleep(0.05)
        raise SystemExit("simulator did not start")

    def stats(self):
        with urllib.request.urlopen(self.base + "/__sim/stats") as r:
            return json.load(r)

    def stop(self):
        self.p.terminate()
        self.p.wait()


def main():
    subprocess.run(["cargo", "build", "--release", "--locked", "--quiet", "--bin", "qcc-credit",
                    "--example", "gen_input"], cwd=ROOT, check=True)
    tmp = tempfile.mkdtemp(prefix="qcc-bench-")
    results = {}

    # 1. Pipeline CPU per key: no latency, no rate limit (qps far above what is reachable).
    n = 2000 if QUICK else 20000
    inp = os.path.join(tmp, "known.csv")
    subprocess.run([GEN, "known", str(n), inp], check=True)
    sim = Sim("--companies", str(n))
    code, wall, cpu, rss = measure(["run", "--input", inp, "--db", os.path.join(tmp, "cpu.sqlite"),
                                    "--base-url", sim.base, "--qps", "1000000", "--burst", "1000",
                                    "--concurrency", "32", "--no-progress"])
    calls = sim.stats()["calls"]
    sim.stop()
    results["cpu_per_key_us"] = round(cpu / n * 1e6, 1)
    print(f"pipeline CPU: {n} keys, {calls} calls, exit {code}: {cpu:.2f} s CPU, {wall:.2f} s wall "
          f"-> {cpu / n * 1e6:.1f} us CPU per key, {n / wall:.0f} keys/s, peak RSS {rss:.1f} MiB")

    # 2. Rate: --qps 50 against 200 ms latency.
    n = 300 if QUICK else 1000
    inp = os.path.join(tmp, "rate.csv")
    subprocess.run([GEN, "known", str(n), inp], check=True)
    sim = Sim("--companies", str(n), "--latency-ms", "200")
    code, wall, cpu, rss = measure(["run", "--input", inp, "--db", os.path.join(tmp, "rate.sqlite"),
                                    "--base-url", sim.base, "--qps", "50", "--concurrency", "16",
                                    "--no-progress"])
    arr = sorted(sim.stats()["arrivals_ms"])
    sim.stop()
    span = (arr[-1] - arr[0]) / 1000
    achieved = (len(arr) - 1) / span
    j, peak = 0, 0
    for i, t in enumerate(arr):
        while arr[j] <= t - 1000:
            j += 1
        peak = max(peak, i - j + 1)
    results["rate"] = {"achieved": round(achieved, 2), "max_1s_window": peak}
    print(f"rate: {len(arr)} calls at --qps 50 --burst 1 with 200 ms latency: achieved {achieved:.2f}/s "
          f"({achieved / 50 * 100:.1f}%), busiest 1-second window {peak} calls (limit 50)")

    # 3. CPU per call under a rate limit: the throttled case real runs are in.
    n = 500 if QUICK else 2000
    inp = os.path.join(tmp, "throttled.csv")
    subprocess.run([GEN, "known", str(n), inp], check=True)
    # One run varies by 10-15% on a shared 2-core machine: the median of three, each on a fresh
    # database against a fresh simulator.
    per_call = []
    for i in range(3):
        sim = Sim("--companies", str(n), "--latency-ms", "50")
        code, wall, cpu, rss = measure(["run", "--input", inp, "--db", os.path.join(tmp, f"thr{i}.sqlite"),
                                        "--base-url", sim.base, "--qps", "200", "--concurrency", "16",
                                        "--no-progress"])
        calls = sim.stats()["calls"]
        sim.stop()
        per_call.append(cpu / calls * 1e6)
        print(f"throttled CPU: {calls} calls at --qps 200, 50 ms latency, --concurrency 16: {cpu:.2f} s CPU "
              f"in {wall:.1f} s -> {cpu / calls * 1e6:.1f} us CPU per call")
    results["throttled_cpu_per_call_us"] = round(sorted(per_call)[1], 1)
    results["throttled_cpu_per_call_us_runs"] = [round(x, 1) for x in per_call]

    # 4. Adaptive rate: the vendor's real ceiling (20/s in any sliding second, 120 above it, refused
    #    calls counted in its window) far below --qps 60, with 20-60 ms of latency that varies
    #    call by call, so that calls sent evenly arrive bunched. Held: billed calls per second
    #    from the 10th second on (the rate found); the 120 share is of every call of the run.
    n = 500 if QUICK else 2000
    inp = os.path.join(tmp, "ceiling.csv")
    subprocess.run([GEN, "known", str(n), inp], check=True)
    sim = Sim("--companies", str(n), "--qps-ceiling", "20", "--latency-ms", "20",
              "--latency-jitter-ms", "40")
    code, wall, cpu, rss = measure(["run", "--input", inp, "--db", os.path.join(tmp, "ceil.sqlite"),
                                    "--base-url", sim.base, "--qps", "60", "--no-progress"])
    st = sim.stats()
    sim.stop()
    arr = sorted(st["arrivals_ms"])
    span = (arr[-1] - arr[0]) / 1000
    late = [t for t in arr if t - arr[0] >= 10_000]
    share = st["by_status"].get("120", 0) / st["calls"]
    # Arrivals are all calls: scaled by the billed share of the whole run (whose start, where
    # the ceiling is found, has more 120s than the rest), which understates what was held.
    held = (len(late) - 1) / ((late[-1] - late[0]) / 1000) * st["billed"] / st["calls"] if len(late) > 1 else 0.0
    results["ceiling"] = {"billed_per_s": round(st["billed"] / span, 2), "held_calls_per_s": round(held, 2),
                          "share_120": round(share, 4), "wall_s": round(wall, 1), "calls": st["calls"],
                          "exit": code}
    print(f"ceiling 20/s, 20-60 ms latency, --qps 60, {n} rows: {st['billed'] / span:.2f} billed calls/s over the run, "
          f"{held:.2f} calls/s held from the 10th second ({held / 20 * 100:.0f}% of the ceiling), "
          f"{share * 100:.1f}% of {st['calls']} calls answered 120, {wall:.1f} s, exit {code}")

    # 5. Random faults: 5% 120, 5% 503, 3% dropped, 3% garbled, --qps 200, 400 rows.
    n = 400
    inp = os.path.join(tmp, "faults.csv")
    subprocess.run([GEN, "known", str(n), inp], check=True)
    sim = Sim("--companies", str(n), "--rate-120", "0.05", "--http-5xx-rate", "0.05",
              "--drop-rate", "0.03", "--malformed-rate", "0.03")
    code, wall, cpu, rss = measure(["run", "--input", inp, "--db", os.path.join(tmp, "faults.sqlite"),
                                    "--base-url", sim.base, "--qps", "200", "--no-progress"])
    arr = sorted(sim.stats()["arrivals_ms"])
    sim.stop()
    gap = max(b - a for a, b in zip(arr, arr[1:])) / 1000
    results["random_faults"] = {"wall_s": round(wall, 1), "longest_gap_s": round(gap, 2), "exit": code}
    print(f"random faults, --qps 200, {n} rows: {wall:.1f} s, longest pause between calls {gap:.2f} s, exit {code}")

    # 6. Storage: database bytes per screened key against the bytes received, and the growth of
    #    an unchanged full re-screen, with the answers written compact, spaced and indented.
    n = 2000 if QUICK else 20000
    inp = os.path.join(tmp, "store.csv")
    subprocess.run([GEN, "known", str(n), inp], check=True)
    results["storage"] = {}
    for style in ["compact", "spaced", "indented"]:
        db = os.path.join(tmp, f"store-{style}.sqlite")
        sim = Sim("--companies", str(n), "--json-style", style)
        args = ["run", "--input", inp, "--db", db, "--base-url", sim.base, "--qps", "1000000",
                "--burst", "1000", "--concurrency", "32", "--no-progress"]
        measure(args)
        received = sim.stats()["body_bytes"]
        def db_bytes():
            c = sqlite3.connect(db)
            c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            c.close()
            return os.path.getsize(db)
        first = db_bytes()
        time.sleep(1.1)  # answers are timestamped to the second
        measure(args + ["--refresh-older-than", "0s"])
        second = db_bytes()
        sim.stop()
        results["storage"][style] = {"keys": n, "bytes_per_key": round(first / n),
                                     "bytes_received_per_key": round(received / n),
                                     "ratio": round(first / max(received, 1), 2),
                                     "rescreen_growth": round(second / first - 1, 3)}
        print(f"storage, {style}, {n} keys: {first / n:.0f} B per key, {received / n:.0f} B received per key "
              f"({first / max(received, 1):.2f}x); an unchanged re-screen adds {(second / first - 1) * 100:.1f}%")

    # 7. Peak memory and ingest throughput: 1,000,000 rows, UTF-8 and GBK, and a 100,000-row xlsx.
    rows = 100_000 if QUICK else 1_000_000
    for kind in ["csv", "gbk"]:
        inp = os.path.join(tmp, f"big-{kind}.csv")
        subprocess.run([GEN, kind, str(rows), inp], check=True)
        code, wall, cpu, rss = measure(["run", "--input", inp, "--db", os.path.join(tmp, f"{kind}.sqlite"),
                                        "--dry-run", "--no-progress"])
        results[f"ingest_{kind}"] = {"rows_per_s": round(rows / wall), "peak_rss_mib": round(rss, 1)}
        print(f"ingest + --dry-run, {rows} rows {'UTF-8' if kind == 'csv' else 'GBK'} CSV: {wall:.1f} s ({rows / wall:,.0f} rows/s), "
              f"peak RSS {rss:.1f} MiB, exit {code}")
    # Ingest scaling: the same suppliers in an order that scatters their codes (as a real master
    # does), a quarter of the rows and all of them: time, bytes written per row, peak memory.
    scale = {}
    for n in ([25_000, 100_000] if QUICK else [250_000, 1_000_000]):
        inp = os.path.join(tmp, f"shuffled-{n}.csv")
        subprocess.run([GEN, "shuffled", str(n), inp], check=True)
        code, wall, cpu, rss = measure(["run", "--input", inp, "--db", os.path.join(tmp, f"shuffled-{n}.sqlite"),
                                        "--dry-run", "--no-progress"])
        scale[n] = {"wall_s": round(wall, 2), "written_bytes_per_row": round(LAST_WRITTEN[0] / n),
                    "peak_rss_mib": round(rss, 1), "exit": code}
        print(f"ingest + --dry-run, {n} rows in scattered order: {wall:.2f} s, "
              f"{LAST_WRITTEN[0] / n:.0f} bytes written per row, peak RSS {rss:.1f} MiB, exit {code}")
    small, big = sorted(scale)
    ratio = scale[big]["wall_s"] / scale[small]["wall_s"]
    results["ingest_scaling"] = {"rows": scale, "time_ratio": round(ratio, 2)}
    print(f"ingest scaling: {big} rows take {ratio:.2f}x the time of {small}")
    xrows = 10_000 if QUICK else 100_000
    inp = os.path.join(tmp, "big.xlsx")
    subprocess.run([GEN, "xlsx", str(xrows), inp], check=True)
    code, wall, cpu, rss = measure(["run", "--input", inp, "--db", os.path.join(tmp, "xlsx.sqlite"),
                                    "--dry-run", "--no-progress"])
    results["ingest_xlsx"] = {"rows_per_s": round(xrows / wall), "peak_rss_mib": round(rss, 1)}
    print(f"ingest + --dry-run, {xrows} rows xlsx: {wall:.1f} s ({xrows / wall:,.0f} rows/s), "
          f"peak RSS {rss:.1f} MiB, exit {code}")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    results["meta"] = {"commit": commit, "utc": stamp, "quick": QUICK, "nproc": os.cpu_count()}
    out = os.path.join(ROOT, "bench", "runs", f"{stamp}-{commit}{'-quick' if QUICK else ''}.json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        json.dump(results, f, indent=2)
    print(json.dumps(results))
    print(f"written to {out}")


if __name__ == "__main__":
    main()
