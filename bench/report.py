#!/usr/bin/env python3
"""Turns the JMH JSON of the benchmark suite into docs/BENCHMARKS.md and an SVG bar chart.

Usage: bench/report.py --json target/jmh.json [--json rerun.json] --out docs/BENCHMARKS.md --svg docs/benchmarks.svg
                       --command "java -jar ..." [--smoke]

Standard library only. Every ratio is "times better than the baseline" (higher is better):
ours/baseline for throughput, baseline/ours for times. GROUPS below encodes the targets (of the
bound-workqueue engine, issue #5, and of the unbound workqueues, issue #12), each group under a
heading that says what its targets are; a case whose rows are missing from the JSON is reported
as "not run". A thread target ("@threads") compares the secondary result `threads` (the most
platform threads the competitor added, see AddedThreads.java) with 2 x CPUs + 4.
"""
import argparse
import json
import os
import platform
import subprocess
from html import escape

# name, benchmark class, ours, [(baseline, target ratio, what the target says)], note[, percentile]
# The baseline is an impl of the same class, "@best" (the best impl that is not ours, wq-*), "@ideal" (the blocking
# mix's 400 x 0.5 ms / CPUs) or "@threads" (ours adds at most 2 x CPUs + 4 threads; ratio unused).
BOUND_CASES = [
    ("Fan-out of tiny items, 2 producers", "FanOutBenchmark", "wq-bound",
     [("fjp", 1.0, ">= 1.0x ForkJoinPool"), ("tpe", 2.0, ">= 2x ThreadPoolExecutor")],
     "items/s; `wq-unbound` is `systemUnbound()`"),
    ("Ordered stream, 1 producer", "OrderedStreamBenchmark", "wq-ordered",
     [("guava-sequential", 2.0, ">= 2x Guava SequentialExecutor"),
      ("single-thread", 1.0, ">= 1x newSingleThreadExecutor")], "items/s"),
    ("10,000 per-entity serial queues", "PerEntitySerialBenchmark", "wq-ordered",
     [("@best", 1.0, ">= 1x the best baseline")], "items/s; threads = most threads added"),
    ("Arm + cancel 200,000 timers", "TimersBenchmark", "wq-delayed",
     [("stpe", 3.0, ">= 3x ScheduledThreadPoolExecutor")], "arm+cancel pairs/s"),
    ("Debounce: 1,000,000 re-arms over 1,000 keys", "DebounceBenchmark", "wq-mod-delayed",
     [("stpe", 5.0, ">= 5x cancel + schedule")], "re-arms/s"),
    ("Blocking mix: 200 x sleep 5 ms + 400 x burn 0.5 ms", "BlockingMixBenchmark", "wq-system",
     [("@ideal", 1 / 1.5, "within 1.5x of the ideal"), ("vthreads", 1.0, ">= 1.0x newVirtualThreadPerTaskExecutor"),
      ("fixed", 5.0, ">= 5x fixed pool")],
     "ms for the whole batch; ideal = 400 x 0.5 ms / CPUs"),
    ("Queue of an already-pending item", "QueuePendingBenchmark", "wq-queue",
     [("cas-floor", 1 / 3.0, "within 3x of a failed CAS")], "ns per call"),
    ("Queue-to-start latency, idle pool (p50)", "LatencyBenchmark", "wq-bound",
     [("fjp", 1.0, "p50 <= ForkJoinPool")], "us", "p0.50"),
    ("Queue-to-start latency, idle pool (p99)", "LatencyBenchmark", "wq-bound",
     [("fjp", 1.0, "p99 <= ForkJoinPool")], "us", "p0.99"),
]

THREADS_TEXT = "adds <= 2 x CPUs + 4 threads"

UNBOUND_CASES = [
    ("Unbound fan-out of tiny items, 2 producers", "FanOutBenchmark", "wq-unbound",
     [("fjp", 1.0, ">= 1.0x ForkJoinPool"), ("@threads", None, THREADS_TEXT)],
     "items/s; `systemUnbound()`, platform workers"),
    ("10,000 per-entity ordered workqueues", "PerEntitySerialBenchmark", "wq-ordered",
     [("guava-sequential", 1.0, ">= 1.0x Guava SequentialExecutor"), ("@threads", None, THREADS_TEXT)],
     "items/s; platform workers"),
    ("10,000 per-entity ordered workqueues, virtual-thread mode", "PerEntitySerialBenchmark",
     "wq-ordered-virtual", [("@threads", None, THREADS_TEXT)], "threads; `virtualUnboundWorkers(true)`"),
    ("Blocking mix on `systemUnbound()`, platform workers, no hints", "BlockingMixBenchmark", "wq-unbound",
     [("vthreads", 1.0, ">= 1.0x newVirtualThreadPerTaskExecutor")], "ms for the whole batch"),
    ("Blocking mix on `systemUnbound()`, virtual-thread mode", "BlockingMixBenchmark", "wq-unbound-virtual",
     [("vthreads", 1.0, ">= 1.0x plain virtual threads")], "ms for the whole batch"),
    ("Pinned blockers (100 x sleep 5 ms in a class initialiser), virtual-thread mode",
     "PinnedBlockersBenchmark", "wq-unbound-virtual",
     [("vthreads", 1.0, ">= 1.0x plain virtual threads")], "ms until every short item finished"),
    ("CPU hogs (16 x burn 20 ms), virtual-thread mode", "CpuHogsBenchmark", "wq-unbound-virtual",
     [("vthreads", 1.0, ">= 1.0x plain virtual threads")], "ms until every short item finished"),
]

# heading, what it covers, cases
GROUPS = [
    ("Targets: bound workqueues, timers and queueing against the JDK's executors and Guava",
     "The engine's hot paths (per-CPU pools, ordered workqueues, timers, queueing) against the"
     " executors they replace.", BOUND_CASES),
    ("Targets: unbound workqueues, their thread counts and the virtual-thread mode",
     "`systemUnbound()` and ordered workqueues, with platform workers and with"
     " `virtualUnboundWorkers(true)`, against `ForkJoinPool`, Guava and plain virtual threads.",
     UNBOUND_CASES),
]
CASES = [c for _, _, cases in GROUPS for c in cases]


def load(paths):
    """The rows of one or more JMH JSON files; a later file's row replaces an earlier one of the same
    benchmark, impl and mode (so a case re-run on its own can be merged into a full run)."""
    merged = {}
    for path in paths:
        with open(path) as f:
            for r in json.load(f):
                merged[(r["benchmark"], r.get("params", {}).get("impl", "-"), r["mode"])] = r
    runs = list(merged.values())
    rows = {}
    for r in runs:
        cls = r["benchmark"].split(".")[-2]
        impl = r.get("params", {}).get("impl", "-")
        rows[(cls, impl)] = r
    return runs, rows


def higher_is_better(r):
    return r["mode"] == "thrpt"


def metric(r, pct=None):
    pm = r["primaryMetric"]
    if pct:
        key = {"p0.50": "50.0", "p0.90": "90.0", "p0.99": "99.0", "p0.999": "99.9"}[pct]
        return pm["scorePercentiles"][key]
    return pm["score"]


def ratio(ours, base, hib):
    if ours is None or base is None or ours == 0 or base == 0:
        return None
    return ours / base if hib else base / ours


def fmt(x):
    if x is None:
        return "-"
    if x >= 1e6:
        return f"{x / 1e6:.2f} M"
    if x >= 1e4:
        return f"{x / 1e3:.1f} k"
    if x >= 100:
        return f"{x:.0f}"
    if x >= 1:
        return f"{x:.2f}"
    return f"{x:.3f}"


def alloc(r):
    m = r.get("secondaryMetrics", {}).get("gc.alloc.rate.norm")
    return None if m is None else m["score"]


def max_threads(r):
    """The aux counter 'threads': JMH sums EVENTS counters over iterations, so take the largest iteration."""
    m = r.get("secondaryMetrics", {}).get("threads")
    if m is None:
        return None
    raw = [v for fork in m.get("rawData", []) for v in fork]
    return max(raw) if raw else m["score"]


def machine():
    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = "?"
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
            mem = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return f"{os.cpu_count()} CPUs ({cpu}), {mem} RAM, {platform.system()} {platform.release()}"


def thread_limit(cpus):
    return 2 * cpus + 4


def evaluate(cases, rows, cpus):
    """One row per (case, target): (case, target text, ours, baseline, ratio, needed, met), formatted."""
    out = []
    for case in cases:
        name, cls, ours_impl, targets, unit = case[:5]
        pct = case[5] if len(case) > 5 else None
        ours_r = rows.get((cls, ours_impl))
        for base, target, text in targets:
            if base == "@threads":
                limit = thread_limit(cpus)
                n = None if ours_r is None else max_threads(ours_r)
                met = "not run" if n is None else ("yes" if n <= limit else "**no**")
                out.append((name, text, "-" if n is None else f"{n:.0f} threads",
                            f"limit: 2 x {cpus} CPUs + 4", "-", f"<= {limit}", met))
                continue
            ours_v = None if ours_r is None else metric(ours_r, pct)
            base_v, label = None, {"@best": "best baseline", "@ideal": "ideal"}.get(base, base)
            if ours_r is None:
                pass
            elif base == "@best":
                cands = [(impl, metric(r, pct)) for (c, impl), r in rows.items()
                         if c == cls and not impl.startswith("wq")]  # other modes of ours are no baseline
                if cands:
                    impl, base_v = (max if higher_is_better(ours_r) else min)(cands, key=lambda t: t[1])
                    label = f"best baseline ({impl})"
            elif base == "@ideal":
                base_v = 400 * 0.5 / cpus
                label = "ideal"
            else:
                base_r = rows.get((cls, base))
                base_v = None if base_r is None else metric(base_r, pct)
            rt = None if ours_r is None else ratio(ours_v, base_v, higher_is_better(ours_r))
            met = "not run" if rt is None else ("yes" if rt >= target * 0.9999 else "**no**")
            out.append((name, text, fmt(ours_v), f"{label}: {fmt(base_v)}",
                        "-" if rt is None else f"{rt:.2f}x", f"{target:.2f}x", met))
    return out


def svg_chart(rows, path, smoke):
    """Horizontal bars: each competitor's performance relative to ours (ours = 1, higher = better)."""
    groups = []
    charted = set()
    for case in CASES:
        name, cls, ours_impl = case[:3]
        pct = case[5] if len(case) > 5 else None
        ours_r = rows.get((cls, ours_impl))
        if ours_r is None or (cls, pct) in charted:
            continue  # one group per benchmark (and percentile): its first case's ours is the 1.0 line
        charted.add((cls, pct))
        hib = higher_is_better(ours_r)
        ours_v = metric(ours_r, pct)
        bars = []
        for (c, impl), r in sorted(rows.items()):
            if c != cls:
                continue
            rel = ratio(metric(r, pct), ours_v, hib)  # competitor vs ours
            bars.append((impl, rel, impl.startswith("wq")))
        groups.append((name, bars))
    bar_h, gap, left, width = 16, 14, 330, 420
    height = 60 + sum(len(b) * bar_h + 22 + gap for _, b in groups)
    maxrel = max([rel for _, b in groups for _, rel, _ in b if rel] + [1.0])
    scale = width / max(maxrel, 1.0)
    y = 40
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 90}" height="{height}" '
             f'font-family="sans-serif" font-size="12">',
             '<rect width="100%" height="100%" fill="white"/>',
             f'<text x="10" y="20" font-size="14" font-weight="bold">Performance relative to jworkqueue '
             f'(1.0 = ours; bars longer than the line are faster){" - SMOKE RUN, NOT A MEASUREMENT" if smoke else ""}</text>']
    x1 = left + scale
    for name, bars in groups:
        parts.append(f'<text x="10" y="{y + 12}" font-weight="bold">{escape(name)}</text>')
        y += 20
        for impl, rel, ours in bars:
            w = 0 if rel is None else max(1, rel * scale)
            color = "#2b7bb9" if ours else "#b0b0b0"
            parts.append(f'<text x="{left - 8}" y="{y + 12}" text-anchor="end">{escape(impl)}</text>')
            parts.append(f'<rect x="{left}" y="{y + 2}" width="{w:.1f}" height="{bar_h - 4}" fill="{color}"/>')
            parts.append(f'<text x="{left + w + 4:.1f}" y="{y + 12}">{"-" if rel is None else f"{rel:.2f}x"}</text>')
            y += bar_h
        y += gap
    parts.append(f'<line x1="{x1:.1f}" y1="30" x2="{x1:.1f}" y2="{y}" stroke="black" stroke-dasharray="3,3"/>')
    parts.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(parts) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", required=True, action="append",
                    help="JMH JSON; repeat it to merge runs, a later file's rows replacing an earlier one's")
    ap.add_argument("--out", required=True)
    ap.add_argument("--svg", required=True)
    ap.add_argument("--command", default="bench/run.sh")
    ap.add_argument("--smoke", action="store_true", help="label everything as a smoke run")
    ap.add_argument("--notes", default="bench/NOTES.md",
                    help="hand-written analysis of the missed targets, appended to a measurement page")
    ap.add_argument("--cpus", type=int, default=os.cpu_count() or 1,
                    help="CPUs of the machine that ran the benchmarks (ideal and thread limits); default: this one")
    a = ap.parse_args()
    runs, rows = load(a.json)
    cpus = a.cpus
    first = runs[0] if runs else {}
    svg_chart(rows, a.svg, a.smoke)
    L = []
    L.append("# Benchmarks")
    L.append("")
    if a.smoke:
        L.append("> **SMOKE RUN - NOT A MEASUREMENT.** Produced with `--quick` (one short warm-up, two short")
        L.append("> iterations) on a shared machine, only to check that every benchmark runs and the report")
        L.append("> builds. Do not quote these numbers.")
        L.append("")
    L.append("Generated by `bench/run.sh` from the JMH JSON (`bench/report.py`); do not edit by hand.")
    L.append("Benchmark sources: `jworkqueue-benchmarks/src/main/java/io/jworkqueue/benchmarks/`, each class's")
    L.append("javadoc describes the work and gives its own run command.")
    L.append("")
    L.append("| | |")
    L.append("|---|---|")
    L.append(f"| machine | {machine()} |")
    L.append(f"| JDK | {first.get('vmName', '?')} {first.get('vmVersion', '?')} (JDK {first.get('jdkVersion', '?')}) |")
    L.append(f"| JMH | {first.get('jmhVersion', '?')}, forks {first.get('forks', '?')} |")
    L.append(f"| command | `{a.command}` |")
    L.append("")
    L.append("Ratio = times better than the baseline (ours / baseline for throughput, baseline / ours for")
    L.append("times), same run, same machine. A thread target counts the platform threads the competitor")
    L.append(f"added (the most seen after any batch of the run) against 2 x {cpus} CPUs + 4.")
    L.append("")
    for heading, about, cases in GROUPS:
        L.append(f"## {heading}")
        L.append("")
        L.append(about)
        L.append("")
        L.append("| case | target | ours | baseline | ratio | needed | met |")
        L.append("|---|---|---|---|---|---|---|")
        for row in evaluate(cases, rows, cpus):
            L.append("| " + " | ".join(row) + " |")
        L.append("")
    L.append("![relative performance](benchmarks.svg)")
    L.append("")
    L.append("## All results")
    L.append("")
    L.append("`threads`: the most platform threads the competitor had running above the JVM's count before it")
    L.append("was built, sampled after every batch (for virtual threads: the carriers of the JDK's scheduler).")
    L.append("")
    L.append("| benchmark | impl | score | error | unit | alloc B/op | threads | p50 | p99 |")
    L.append("|---|---|---|---|---|---|---|---|---|")
    for r in runs:
        cls = r["benchmark"].split(".")[-2]
        pm = r["primaryMetric"]
        p = pm.get("scorePercentiles", {})
        lat = r["mode"] == "sample"
        err = pm.get("scoreError")
        try:
            err = fmt(float(err)) if float(err) == float(err) else "-"
        except (TypeError, ValueError):
            err = "-"
        al = alloc(r)
        th = max_threads(r)
        L.append(f"| {cls} | {r.get('params', {}).get('impl', '-')} | {fmt(pm['score'])} | {err} | {pm['scoreUnit']} "
                 f"| {'-' if al is None else f'{al:.1f}'} | {'-' if th is None else f'{th:.0f}'} "
                 f"| {fmt(p.get('50.0')) if lat else '-'} | {fmt(p.get('99.0')) if lat else '-'} |")
    L.append("")
    L.append("Allocation (issue #5): steady-state queue + execute on a bound workqueue (`FanOutBenchmark`")
    L.append("`wq-bound`) and arm + cancel of a `DelayedWork` (`TimersBenchmark` `wq-delayed`) should show")
    L.append("0 B/op (`gc.alloc.rate.norm`, all threads, per item); `AllocationTest` in jworkqueue-core")
    L.append("guards the same paths in `mvn verify`.")
    L.append("")
    if not a.smoke and a.notes and os.path.exists(a.notes):
        with open(a.notes) as nf:
            L.append(nf.read().rstrip("\n"))
            L.append("")
    with open(a.out, "w") as f:
        f.write("\n".join(L))


if __name__ == "__main__":
    main()
