#!/usr/bin/env python3
"""Peak memory and time of the analyst's outputs on a large list: `report`, `export --format xlsx`
and `export --format csv` on a database of N screened keys (default 300,000).

Usage: python3 bench/outputs.py [N]

The database is built once per N (run against the simulator, no rate limit) and kept under
target/bench-outputs-N/ so later runs measure the outputs only. Figures go to
bench/runs/<UTC time>-<commit>-outputs.json; README quotes them.
"""
import datetime, json, os, subprocess, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import BIN, GEN, ROOT, Sim, measure  # noqa: E402


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300_000
    subprocess.run(["cargo", "build", "--release", "--locked", "--quiet", "--bin", "qcc-credit",
                    "--example", "gen_input"], cwd=ROOT, check=True)
    work = os.path.join(ROOT, "target", f"bench-outputs-{n}")
    os.makedirs(work, exist_ok=True)
    db = os.path.join(work, "screen.sqlite")
    done = os.path.join(work, "built")
    if not os.path.exists(done):
        for f in os.listdir(work):
            os.remove(os.path.join(work, f))
        inp = os.path.join(work, "list.csv")
        subprocess.run([GEN, "known", str(n), inp], check=True)
        sim = Sim("--companies", str(n))
        code, wall, cpu, rss = measure(["run", "--input", inp, "--db", db, "--base-url", sim.base,
                                        "--qps", "1000000", "--burst", "1000", "--concurrency", "32",
                                        "--no-progress"])
        sim.stop()
        if code != 0:
            raise SystemExit(f"building the database exited {code}")
        print(f"built {n} screened keys in {wall:.0f} s")
        open(done, "w").close()
    results = {"keys": n, "db_bytes": os.path.getsize(db)}
    for name, args in [
        ("report", ["report", "--db", db, "--out", os.path.join(work, "report.html")]),
        ("xlsx", ["export", "--db", db, "--format", "xlsx", "--out", os.path.join(work, "r.xlsx")]),
        ("csv", ["export", "--db", db, "--format", "csv", "--out", os.path.join(work, "r.csv")]),
    ]:
        code, wall, cpu, rss = measure(args)
        if code != 0:
            raise SystemExit(f"{name} exited {code}")
        out = args[args.index("--out") + 1]
        results[name] = {"wall_s": round(wall, 1), "cpu_s": round(cpu, 1),
                         "peak_rss_mib": round(rss, 1), "bytes": os.path.getsize(out)}
        print(f"{name}: {n} keys in {wall:.1f} s ({cpu:.1f} s CPU), peak RSS {rss:.1f} MiB, "
              f"{os.path.getsize(out) / 2**20:.1f} MiB written")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    results["commit"] = commit
    results["machine"] = f"{os.cpu_count()} cores, {os.uname().sysname} {os.uname().machine}"
    path = os.path.join(ROOT, "bench", "runs", f"{stamp}-{commit}-outputs.json")
    with open(path, "w") as f:
        json.dump(results, f, indent=2)
    print(f"written to {path}")


if __name__ == "__main__":
    main()
