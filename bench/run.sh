#!/usr/bin/env bash
# Runs the whole JMH suite and writes docs/BENCHMARKS.md and docs/benchmarks.svg from its JSON.
#
#   bench/run.sh            the measurement (~15-20 min on 2 CPUs; each class's own
#                           @Warmup/@Measurement settings); run it on a quiet machine
#   bench/run.sh --quick    a smoke run (-wi 1 -i 2, 1 s iterations, a few minutes) that only checks
#                           that everything runs; writes target/bench-quick/ instead of docs/, and
#                           the page says it is not a measurement
#   any further arguments go to JMH, e.g. a benchmark regex: bench/run.sh --quick Timers
#   bench/run.sh --only-report [--quick] [more.json ...]
#                           runs nothing: writes the page again from the JSON of the last run
#                           (target/jmh.json, or target/bench-quick/jmh.json with --quick), e.g.
#                           after editing bench/report.py or bench/NOTES.md; further JSON files
#                           (a case re-run with java -jar ... -rf json -rff target/rerun.json)
#                           replace that run's rows for the benchmarks they hold
#
# Needs a JDK 21+ (bin/pick-jdk finds one: $JAVA_HOME, else /usr/lib/jvm/*) and python3 (standard
# library only). bench/test_report.py tests the page's generator; run.sh runs it first.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=false
only_report=false
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=true; shift ;;
    --only-report) only_report=true; shift ;;
    *) break ;;
  esac
done
. bin/pick-jdk
jar=jworkqueue-benchmarks/target/benchmarks.jar

# The page's generator is checked first, so a long run never ends without its page.
if ! tests=$(python3 bench/test_report.py 2>&1); then
  echo "$tests" >&2
  echo "bench: bench/report.py fails its tests (bench/test_report.py)" >&2
  exit 1
fi

if $quick; then
  outdir=target/bench-quick
  json=target/bench-quick/jmh.json
  jmh_args=(-f 1 -wi 1 -i 2 -w 1s -r 1s -prof gc)
else
  outdir=docs
  json=target/jmh.json
  jmh_args=(-f 1 -prof gc)
fi
# The command of the run that wrote $json, for the page.
cmdfile="${json%.json}.command"

jsons=(--json "$json")
if $only_report; then
  for f in "$json" "$@"; do
    if [ ! -f "$f" ]; then
      echo "bench: no JSON file $f to report from (the last run's is $json: run bench/run.sh$($quick && echo ' --quick') first)" >&2
      exit 1
    fi
  done
  cmd=$(cat "$cmdfile" 2>/dev/null || echo "java -jar $jar (command not recorded)")
  for f in "$@"; do
    jsons+=(--json "$f")
    cmd="$cmd; then the rows of $f, a later run"
  done
else
  use_jdk21 bench || exit 1
  mvn -B -ntp -q -DskipTests -pl jworkqueue-benchmarks -am package
  mkdir -p "$(dirname "$json")"
  cmd="java -jar $jar ${jmh_args[*]} $* -rf json -rff $json"
  echo "bench: $cmd"
  "$JAVA_HOME/bin/java" -jar "$jar" "${jmh_args[@]}" "$@" -rf json -rff "$json" | tee "${json%.json}.txt"
  echo "$cmd" > "$cmdfile"
fi

mkdir -p "$outdir"
python3 bench/report.py "${jsons[@]}" --out "$outdir/BENCHMARKS.md" --svg "$outdir/benchmarks.svg" \
  --command "$cmd" $($quick && echo --smoke)
echo "bench: wrote $outdir/BENCHMARKS.md and $outdir/benchmarks.svg"
