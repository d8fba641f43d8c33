#!/usr/bin/env python3
"""The analyst's outputs on big lists (issue #26): the report's size and how long headless Chromium
takes to open it, the peak memory of `report`, `export --format xlsx|csv` and `changes`.

Usage: python3 bench/outputs.py [lists|changes|all]   (default all)

- lists: databases of 10,000, 100,000 and 300,000 screened suppliers (the simulator's companies, seed 42:
  about half of them need attention); for each, `report` (wall, CPU, peak RSS, bytes), the time
  headless Chromium takes to load it and take a screenshot (and that run's peak RSS: the largest
  process the browser waited for), and `export --format xlsx` and `csv`.
- changes: 150,000 suppliers screened, then each given a new punishment in the simulator and
  screened again (150,000 changes in one re-screen); then `changes --format csv` and `report`:
  wall and peak RSS.

Databases are built once and kept under target/bench-outputs-*/ so later runs measure the outputs
only. Figures go to bench/runs/<UTC time>-<commit>-outputs.json; README quotes them.
"""
import datetime, json, os, shutil, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import BIN, ENV, GEN, ROOT, Sim, measure  # noqa: E402

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
FAST = ["--qps", "1000000", "--burst", "1000", "--concurrency", "32", "--no-progress"]


def build(n, work):
    """A database of n screened suppliers under work/ (built once)."""
    db = os.path.join(work, "screen.sqlite")
    done = os.path.join(work, "built")
    if os.path.exists(done):
        return db
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    inp = os.path.join(work, "list.csv")
    subprocess.run([GEN, "known", str(n), inp], check=True)
    sim = Sim("--companies", str(n))
    code, wall, _, _ = measure(["run", "--input", inp, "--db", db, "--base-url", sim.base] + FAST)
    sim.stop()
    if code != 0:
        raise SystemExit(f"building the database of {n} exited {code}")
    print(f"built {n} screened suppliers in {wall:.0f} s")
    open(done, "w").close()
    return db


def chromium_open(page):
    """Seconds for headless Chromium to load the page and take a screenshot, and the peak RSS
    (MiB) of the largest process it waited for."""
    chromium = shutil.which("chromium")
    if not chromium:
        return None, None
    profile = tempfile.mkdtemp(prefix="bench-chromium-")
    shot = os.path.join(profile, "shot.png")
    t0 = time.monotonic()
    p = subprocess.Popen([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                          "--window-size=1280,2000", f"--screenshot={shot}", "file://" + page],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    ok = os.path.exists(shot) and os.path.getsize(shot) > 1000
    shutil.rmtree(profile, ignore_errors=True)
    if not ok:
        raise SystemExit(f"chromium did not render {page}")
    return round(wall, 2), round(ru.ru_maxrss / 1024, 1)


def output(name, args):
    code, wall, cpu, rss = measure(args)
    if code != 0:
        raise SystemExit(f"{name} exited {code}")
    out = args[args.index("--out") + 1] if "--out" in args else None
    size = os.path.getsize(out) if out else None
    r = {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "peak_rss_mib": round(rss, 1)}
    if size is not None:
        r["bytes"] = size
    print(f"  {name}: {wall:.1f} s ({cpu:.1f} s CPU), peak RSS {rss:.1f} MiB"
          + (f", {size / 2**20:.1f} MiB written" if size is not None else ""))
    return r


def lists():
    results = {}
    for n in [10_000, 100_000, 300_000]:
        work = os.path.join(ROOT, "target", f"bench-outputs-{n}")
        db = build(n, work)
        page = os.path.join(work, "report.html")
        print(f"{n} suppliers:")
        r = {"report": output("report", ["report", "--db", db, "--out", page])}
        wall, rss = chromium_open(page)
        r["chromium_open_s"], r["chromium_peak_rss_mib"] = wall, rss
        print(f"  headless Chromium opens the report and draws it in {wall} s (peak RSS {rss} MiB)")
        r["xlsx"] = output("xlsx", ["export", "--db", db, "--format", "xlsx", "--out",
                                    os.path.join(work, "r.xlsx")])
        r["csv"] = output("csv", ["export", "--db", db, "--format", "csv", "--out",
                                  os.path.join(work, "r.csv")])
        results[str(n)] = r
    return results


def changes():
    n = 150_000
    work = os.path.join(ROOT, "target", f"bench-outputs-changes-{n}")
    db = os.path.join(work, "screen.sqlite")
    done = os.path.join(work, "built")
    if not os.path.exists(done):
        shutil.rmtree(work, ignore_errors=True)
        os.makedirs(work)
        inp = os.path.join(work, "list.csv")
        subprocess.run([GEN, "known", str(n), inp], check=True)
        sim = Sim("--companies", str(n))
        measure(["run", "--input", inp, "--db", db, "--base-url", sim.base] + FAST)
        sim.stop()
        # The next night every supplier has a new punishment: 150,000 changes in one screening
        # (the same dataset, changed by a script when the simulator starts).
        codes = [line.split(",")[1].strip() for line in open(inp, encoding="utf-8").readlines()[1:]]
        script = os.path.join(work, "night2.txt")
        with open(script, "w", encoding="utf-8") as f:
            f.writelines(f"{c} punish 2026-11-20\n" for c in codes)
        sim = Sim("--companies", str(n), "--changes", script)
        code, wall, _, _ = measure(["run", "--input", inp, "--db", db, "--base-url", sim.base,
                                    "--refresh-older-than", "0s", "--clock-shift", "2"] + FAST)
        sim.stop()
        if code != 0:
            raise SystemExit(f"the re-screen exited {code}")
        open(done, "w").close()
    print(f"{n} suppliers, each with a new punishment in the latest re-screen:")
    return {
        "changes_csv": output("changes --format csv", ["changes", "--db", db, "--format", "csv"]),
        "report": output("report", ["report", "--db", db, "--out", os.path.join(work, "r.html")]),
    }


def main():
    what = sys.argv[1] if len(sys.argv) > 1 else "all"
    subprocess.run(["cargo", "build", "--release", "--locked", "--quiet", "--bin", "qcc-credit",
                    "--example", "gen_input"], cwd=ROOT, check=True)
    results = {}
    if what in ("lists", "all"):
        results["lists"] = lists()
    if what in ("changes", "all"):
        results["changes_150k"] = changes()
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
