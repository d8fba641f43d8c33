#!/usr/bin/env python3
"""Interleaved A/B of CPU per call between builds of qcc-credit, on the same inputs.

Usage: python3 bench/ab.py [-u] [-i] ROUNDS BIN [BIN ...]

Each round runs every binary once, in turn, against a fresh simulator and a fresh database, so a
machine whose speed drifts from one hour to the next (ours do) slows every binary alike. CPU is
the client process's user + system time from `wait4` (microsecond resolution), divided by the
calls the simulator counted.

Default: the throttled case of bench.py (2,000 rows, `--qps 200`, 50 ms latency,
`--concurrency 16`). `-u`: the unthrottled case (20,000 rows, no latency, `--concurrency 32`).
`-i`: instructions instead of CPU time: the client runs under `valgrind --tool=callgrind` and the
figure is the user-space instructions it executed per call. It does not drift with the machine's
hour (CPU time does, by up to 40% here), so a change of a few percent shows in one round; but it
weighs every instruction alike, cold (the first after a wake-up) or warm, and the client runs
about 50 times slower under valgrind, so the throttled case no longer keeps its rate.
The simulator is always the first binary's, so the vendor side is the same for every run.
To keep a build to compare: `cargo build --release --bin qcc-credit && cp target/release/qcc-credit /tmp/a`.
"""
import os, re, statistics, subprocess, sys, tempfile

from bench import ENV, GEN, ROOT, Sim, measure


def instructions(args, binary):
    """Run the binary under callgrind; return (exit code, user-space instructions executed)."""
    p = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", binary] + args,
                       env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    found = re.search(r"Collected : (\d+)", p.stderr)
    if not found:
        raise SystemExit(f"no instruction count from valgrind:\n{p.stderr[-2000:]}")
    return p.returncode, int(found.group(1))


def one_run(sim_bin, client_bin, inp, db, rows, unthrottled, count):
    flags = ["--companies", str(rows)] + ([] if unthrottled else ["--latency-ms", "50"])
    sim = Sim(*flags, binary=sim_bin)
    try:
        args = ["run", "--input", inp, "--db", db, "--base-url", sim.base, "--no-progress"]
        if unthrottled:
            args += ["--qps", "1000000", "--burst", "1000", "--concurrency", "32"]
        else:
            args += ["--qps", "200", "--concurrency", "16"]
        if count:
            code, cost = instructions(args, client_bin)
        else:
            code, _, cpu, _ = measure(args, binary=client_bin)
            cost = cpu * 1e6
        if code not in (0, 5):
            raise SystemExit(f"{client_bin} exited {code}")
        calls = sim.stats()["calls"]
    finally:
        sim.stop()
    return cost / calls, calls


def main():
    args = sys.argv[1:]
    unthrottled = count = False
    while args and args[0] in ("-u", "-i"):
        unthrottled |= args[0] == "-u"
        count |= args[0] == "-i"
        args = args[1:]
    if len(args) < 2 or not args[0].isdigit():
        raise SystemExit(__doc__)
    rounds, bins = int(args[0]), [os.path.abspath(b) for b in args[1:]]
    measure_unit = "instructions" if count else "us"
    if not os.path.exists(GEN):
        subprocess.run(["cargo", "build", "--release", "--locked", "--quiet", "--example", "gen_input"],
                       cwd=ROOT, check=True)
    tmp = tempfile.mkdtemp(prefix="qcc-ab-")
    rows = 20000 if unthrottled else 2000
    inp = os.path.join(tmp, "input.csv")
    subprocess.run([GEN, "known", str(rows), inp], check=True, stdout=subprocess.DEVNULL)
    results = {b: [] for b in bins}
    for r in range(rounds):
        for i, b in enumerate(bins):
            db = os.path.join(tmp, f"r{r}-b{i}.sqlite")
            cost, calls = one_run(bins[0], b, inp, db, rows, unthrottled, count)
            results[b].append(cost)
            print(f"round {r + 1}: {b}: {cost:.1f} {measure_unit} per call ({calls} calls)", flush=True)
    for b in bins:
        runs = ", ".join(f"{x:.1f}" for x in results[b])
        print(f"{b}: median {statistics.median(results[b]):.1f} {measure_unit} per call (runs: {runs})")


if __name__ == "__main__":
    main()
