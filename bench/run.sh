#!/usr/bin/env bash
# Runs the whole JMH suite and writes docs/BENCHMARKS.md and docs/benchmarks.svg from its JSON.
#
#   bench/run.sh            the measurement (~15-20 min on 2 CPUs; each class's own
#                           @Warmup/@Measurement settings); run it on a quiet machine
#   bench/run.sh --quick    a smoke run (-wi 1 -i 2, 1 s iterations, a few minutes) that only checks
#                           that everything runs; writes target/bench-quick/ instead of docs/, and
#                           the page says it is not a measurement
#   any further arguments go to JMH, e.g. a benchmark regex: bench/run.sh --quick Timers
#
# Needs JDK 21+ (JAVA_HOME) and python3 (standard library only).
set -euo pipefail
cd "$(dirname "$0")/.."

quick=false
if [ "${1:-}" = "--quick" ]; then quick=true; shift; fi
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"

mvn -B -ntp -q -DskipTests -pl jworkqueue-benchmarks -am package
jar=jworkqueue-benchmarks/target/benchmarks.jar

if $quick; then
  outdir=target/bench-quick
  jmh_args=(-f 1 -wi 1 -i 2 -w 1s -r 1s -prof gc)
else
  outdir=docs
  jmh_args=(-f 1 -prof gc)
fi
mkdir -p "$outdir" target
json=target/jmh.json
cmd="java -jar $jar ${jmh_args[*]} $* -rf json -rff $json"
echo "bench: $cmd"
"$java" -jar "$jar" "${jmh_args[@]}" "$@" -rf json -rff "$json" | tee target/jmh.txt

python3 bench/report.py --json "$json" --out "$outdir/BENCHMARKS.md" --svg "$outdir/benchmarks.svg" \
  --command "$cmd" $($quick && echo --smoke)
echo "bench: wrote $outdir/BENCHMARKS.md and $outdir/benchmarks.svg"
