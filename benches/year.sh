#!/usr/bin/env bash
# Times `tidkoll quarter` and `tidkoll year` on a stored year of 50 suppliers (SPEC §9, issue
# 15's target: the year under 2 s). Twelve small months are written and run once with
# `tidkoll monthly`; then each command is timed RUNS times (hyperfine when installed, else a
# loop) and its peak memory taken from /usr/bin/time.
#
# Usage: benches/year.sh            Env: BIN (default: the release build), RUNS (default 5),
#        TIDKOLL_BENCH_DIR (default /tmp/tidkoll-year; reused when present)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet
  BIN=$PWD/target/release/tidkoll
fi
base=${TIDKOLL_BENCH_DIR:-/tmp/tidkoll-year}
runs=${RUNS:-5}
export TIDKOLL_PSEUDONYM_KEY=${TIDKOLL_PSEUDONYM_KEY:-benchmark-key-of-sufficient-length}
out=$base/out
if [ ! -f "$out/2025-12/manifest.json" ]; then
  mkdir -p "$base"
  for m in 01 02 03 04 05 06 07 08 09 10 11 12; do
    # 50 suppliers x 10 staff x 200 visits: suppliers 1-10 check in by hand (a deviation in
    # every month), suppliers 11-20 only in the second half of the year.
    awk -v m="2025-$m" 'BEGIN {
      print "visit_id,supplier_id,client_id,staff_id,check_in,check_out,check_in_method,check_out_method,services,planned_minutes"
      for (s = 1; s <= 50; s++) {
        if (s > 10 && s <= 20 && m < "2025-07") continue
        method = (s <= 10) ? "manual" : "nfc"
        for (v = 0; v < 200; v++) {
          day = 1 + (v % 28); hour = 7 + int(v / 28) % 10; staff = v % 10
          printf "S%02d-%s-%d,Utforare %02d AB,K%02d%03d,P%02d%02d,%s-%02d %02d:00,%s-%02d %02d:35,%s,%s,OMV,\n",
            s, m, v, s, s, v % 40, s, staff, m, day, hour, m, day, hour, method, method
        }
      }
    }' > "$base/visits-2025-$m.csv"
    "$BIN" monthly --quiet --month "2025-$m" --visits "$base/visits-2025-$m.csv" --out "$out" > /dev/null
  done
fi
for cmd in "quarter --quarter 2025-Q4" "year --year 2025"; do
  # shellcheck disable=SC2086
  if command -v hyperfine > /dev/null; then
    hyperfine --runs "$runs" --warmup 1 --export-json "$base/${cmd%% *}.json" "$BIN $cmd --quiet --out $out"
  else
    start=$(date +%s.%N)
    for _ in $(seq "$runs"); do $BIN $cmd --quiet --out "$out" > /dev/null; done
    end=$(date +%s.%N)
    echo "$cmd: $(echo "($end - $start) / $runs" | bc -l | cut -c1-5) s per run (mean of $runs)"
  fi
  /usr/bin/time -v $BIN $cmd --quiet --out "$out" 2> "$base/time.txt" > /dev/null
  awk -F': ' '/Maximum resident set size/ {printf "  peak memory %.0f MiB\n", $2/1024}' "$base/time.txt"
done
