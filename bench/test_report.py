#!/usr/bin/env python3
"""Tests of bench/report.py on hand-made JMH JSON: python3 bench/test_report.py (standard library only)."""
import json
import os
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True  # no __pycache__ in bench/
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report  # noqa: E402


def run(cls, impl, score, mode="thrpt", threads=None):
    """One JMH result row as the JSON has it; threads = per-iteration values of the aux counter."""
    r = {"benchmark": f"io.jworkqueue.benchmarks.{cls}.m", "mode": mode, "params": {"impl": impl},
         "primaryMetric": {"score": score, "scoreError": "NaN", "scoreUnit": "ops/s" if mode == "thrpt" else "ms/op",
                           "scorePercentiles": {}},
         "secondaryMetrics": {}}
    if threads is not None:
        r["secondaryMetrics"]["threads"] = {"score": sum(threads), "rawData": [threads]}
    return r


def table(runs, cpus=2, rerun=None):
    """The page report.py writes for these rows (and those of a second JSON file, rerun), as text."""
    with tempfile.TemporaryDirectory() as d:
        files = []
        for i, rs in enumerate([runs] + ([rerun] if rerun is not None else [])):
            files += ["--json", os.path.join(d, f"jmh{i}.json")]
            with open(files[-1], "w") as f:
                json.dump(rs, f)
        out = os.path.join(d, "B.md")
        argv = sys.argv
        sys.argv = ["report.py", *files, "--out", out, "--svg", os.path.join(d, "b.svg"),
                    "--cpus", str(cpus), "--notes", ""]
        try:
            report.main()
        finally:
            sys.argv = argv
        with open(out) as f:
            return f.read()


def row(page, case, target):
    for line in page.splitlines():
        if line.startswith(f"| {case} | {target} |"):
            return [c.strip() for c in line.strip("|").split("|")]
    raise AssertionError(f"no row {case!r} / {target!r} in:\n{page}")


UNBOUND_FANOUT = "Unbound fan-out of tiny items, 2 producers"


class ReportTest(unittest.TestCase):
    def test_threads_largestIteration_notTheSumJmhReports(self):
        self.assertEqual(report.max_threads(run("FanOutBenchmark", "wq-unbound", 1, threads=[5, 12, 7])), 12)

    def test_threadTarget_overTwoCpusPlusFour_isMissed(self):
        page = table([run("FanOutBenchmark", "wq-unbound", 1e6, threads=[5, 9, 7]),
                      run("FanOutBenchmark", "fjp", 1e6, threads=[2, 2, 2])], cpus=2)
        r = row(page, UNBOUND_FANOUT, report.THREADS_TEXT)
        self.assertEqual(r[2], "9 threads")
        self.assertEqual(r[5], "<= 8")
        self.assertEqual(r[6], "**no**")

    def test_threadTarget_atTheLimit_isMet(self):
        page = table([run("FanOutBenchmark", "wq-unbound", 1e6, threads=[8, 3])], cpus=2)
        self.assertEqual(row(page, UNBOUND_FANOUT, report.THREADS_TEXT)[6], "yes")

    def test_threadTarget_scalesWithCpus(self):
        page = table([run("FanOutBenchmark", "wq-unbound", 1e6, threads=[9])], cpus=4)
        r = row(page, UNBOUND_FANOUT, report.THREADS_TEXT)
        self.assertEqual((r[5], r[6]), ("<= 12", "yes"))

    def test_throughputRatio_oursOverBaseline(self):
        page = table([run("FanOutBenchmark", "wq-unbound", 3e6), run("FanOutBenchmark", "fjp", 2e6)])
        r = row(page, UNBOUND_FANOUT, ">= 1.0x ForkJoinPool")
        self.assertEqual((r[4], r[6]), ("1.50x", "yes"))

    def test_timeRatio_baselineOverOurs(self):
        page = table([run("PinnedBlockersBenchmark", "wq-unbound-virtual", 50, mode="ss"),
                      run("PinnedBlockersBenchmark", "vthreads", 250, mode="ss")])
        case = next(c[0] for c in report.UNBOUND_CASES if c[1] == "PinnedBlockersBenchmark")
        r = row(page, case, ">= 1.0x plain virtual threads")
        self.assertEqual((r[4], r[6]), ("5.00x", "yes"))

    def test_bestBaseline_leavesOutOurOtherModes(self):
        page = table([run("PerEntitySerialBenchmark", "wq-ordered", 2e6),
                      run("PerEntitySerialBenchmark", "wq-ordered-virtual", 9e6),
                      run("PerEntitySerialBenchmark", "guava-sequential", 4e6),
                      run("PerEntitySerialBenchmark", "kotlin-limited", 3e6)])
        r = row(page, "10,000 per-entity serial queues", ">= 1x the best baseline")
        self.assertEqual((r[3], r[4]), ("best baseline (guava-sequential): 4.00 M", "0.50x"))

    def test_missingRows_areNotRun(self):
        page = table([run("FanOutBenchmark", "fjp", 2e6)])
        self.assertEqual(row(page, UNBOUND_FANOUT, ">= 1.0x ForkJoinPool")[6], "not run")
        self.assertEqual(row(page, UNBOUND_FANOUT, report.THREADS_TEXT)[6], "not run")

    def test_headings_sayWhatTheTargetsAre_notIssueNumbers(self):
        page = table([run("FanOutBenchmark", "fjp", 2e6)])
        headings = [line for line in page.splitlines() if line.startswith("#")]
        for heading, _, _ in report.GROUPS:
            self.assertIn(f"## {heading}", headings)
        self.assertFalse([h for h in headings if "issue" in h.lower() or "#5" in h or "#12" in h], headings)

    def test_secondJson_replacesTheRowsItReran(self):
        page = table([run("FanOutBenchmark", "wq-unbound", 1e6), run("FanOutBenchmark", "fjp", 2e6)],
                     rerun=[run("FanOutBenchmark", "wq-unbound", 4e6)])
        self.assertEqual(row(page, UNBOUND_FANOUT, ">= 1.0x ForkJoinPool")[4], "2.00x")
        self.assertEqual(len([l for l in page.splitlines() if l.startswith("| FanOutBenchmark | wq-unbound |")]), 1)

    def test_allResults_showThreadsColumn(self):
        page = table([run("BlockingMixBenchmark", "wq-unbound", 120, mode="ss", threads=[30, 41])])
        line = next(l for l in page.splitlines() if l.startswith("| BlockingMixBenchmark | wq-unbound |"))
        self.assertIn("| 41 |", line)


if __name__ == "__main__":
    unittest.main()
