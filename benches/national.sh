#!/usr/bin/env bash
# Times `tidkoll monthly` (release build) on generated months of both generator shapes, and
# `tidkoll investigate` of one supplier out of each month, and prints one table:
#
#   shape, visits, input MB; monthly: mean wall time ± standard deviation over RUNS runs
#   (hyperfine, after WARMUP runs), time per visit, peak memory (the largest of STAGE_RUNS more
#   runs under /usr/bin/time -v) and peak/input; the stages of the one of those runs with the
#   median whole/read, from its manifest (read, read speed in MB of input per second, figures
#   and flags with visits.parquet beside them, write), and its whole/read (its own wall time
#   over its own read); investigate: mean wall time and peak memory.
#
# After each shape it prints how far the time per visit of its sizes lies apart (the target:
# within 15 %). hyperfine's JSON for every command is kept in the bench directory. With
# POLARS_READ=1 it also times a bare polars read of each visits file (every column, timestamps
# parsed; benches/polars_read, whose first build takes about 10 minutes), as a reference for the
# read stage.
#
# Every run starts with its input files in the page cache (read through once before it): this
# machine's cache lets go of idle files' pages within minutes, and a run that reads half its
# input from the disk times the disk (0.6-0.9 GB/s here), not tidkoll.
#
# Usage: benches/national.sh [VISITS...]          (default: 1000000 3000000 12500000)
# Env:   SHAPES (default "national municipality example"), DIALECT (canonical or swedish; default canonical),
#        RUNS (default 5), WARMUP (default 1), STAGE_RUNS (default 3), TIDKOLL_BENCH_DIR
#        (default /tmp/tidkoll-national; data is generated once and reused: 12.5 M visits are
#        1.7 GB), CARGO_TARGET_DIR.
# Needs: hyperfine (apt-get install hyperfine), GNU time (/usr/bin/time), python3.
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in hyperfine /usr/bin/time python3; do
  command -v "$tool" > /dev/null || { echo "benches/national.sh needs $tool (apt-get install ${tool##*/})" >&2; exit 2; }
done
cargo build --release --quiet
if [ "${POLARS_READ:-0}" = 1 ]; then
  (cd benches/polars_read && CARGO_TARGET_DIR=${POLARS_READ_TARGET:-/tmp/polars-read-target} cargo build --release --quiet)
  polars_read=${POLARS_READ_TARGET:-/tmp/polars-read-target}/release/polars-read
fi
bin=$(cd "${CARGO_TARGET_DIR:-target}" && pwd)/release/tidkoll
base=${TIDKOLL_BENCH_DIR:-/tmp/tidkoll-national}
runs=${RUNS:-5}
warmup=${WARMUP:-1}
stage_runs=${STAGE_RUNS:-3}
dialect=${DIALECT:-canonical}
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000000 3000000 12500000)
export TIDKOLL_PSEUDONYM_KEY=${TIDKOLL_PSEUDONYM_KEY:-bench-key-0123456789}

peak_mib() { awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$1"; }
mean_sd() { python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results'][0]; print('%.2f %.2f' % (r['mean'], r['stddev'] or 0))" "$1"; }

printf '%-8s %10s %7s | %14s %8s %8s %6s | %6s %7s %6s %6s %10s | %8s %8s | %8s %8s\n' \
  shape visits "in MB" "monthly s" "µs/visit" "peak MiB" "/input" "read s" "MB/s" "figs s" "write" "whole/read" "inv. s" "inv. MiB" \
  "sample s" "smp. MiB"
for shape in ${SHAPES:-national municipality example}; do
  per_visit=()
  for n in "${sizes[@]}"; do
    dir="$base/$shape-$dialect-$n"
    if [ ! -f "$dir/visits-2025-03.csv" ]; then
      "$bin" generate --out "$dir" --shape "$shape" --dialect "$dialect" --months 2025-03 --visits "$n" > /dev/null
    fi
    inputs=(--visits "$dir/visits-2025-03.csv")
    [ -f "$dir/granted-2025-03.csv" ] && inputs+=(--granted "$dir/granted-2025-03.csv")
    [ -f "$dir/addons-2025-03.csv" ] && inputs+=(--addons "$dir/addons-2025-03.csv")
    [ -f "$dir/absences-2025-03.csv" ] && inputs+=(--absences "$dir/absences-2025-03.csv")
    [ -f "$dir/invoices-2025-03.csv" ] && inputs+=(--invoices "$dir/invoices-2025-03.csv")
    [ -f "$dir/tidkoll.toml" ] && inputs+=(--config "$dir/tidkoll.toml")
    in_mb=$(du -cb "$dir"/*-2025-03.csv | awk 'END {printf "%.0f", $1/1e6}')
    monthly="$bin monthly --quiet ${inputs[*]} --out $dir/out"
    warm="cat $dir/*-2025-03.csv > /dev/null"
    hyperfine --style none --runs "$runs" --warmup "$warmup" --prepare "rm -rf $dir/out; $warm" \
      --export-json "$dir/monthly.json" "$monthly" > /dev/null
    read -r wall sd <<< "$(mean_sd "$dir/monthly.json")"
    # The stages and whole/read come from runs of their own under /usr/bin/time, each run's
    # whole time against its own read (this machine's speed drifts within minutes, so a read
    # from one run against the mean of others is not a ratio); of STAGE_RUNS runs the one with
    # the median whole/read is shown, the peak is the largest of them.
    for r in $(seq "$stage_runs"); do
      rm -rf "$dir/out"
      bash -c "$warm"
      /usr/bin/time -v -o "$dir/monthly-time-$r.txt" $monthly > /dev/null
      python3 -c "import json,sys; m=json.load(open(sys.argv[1])); s=m['stage_seconds']; print(m['accounting']['visits_analysed'], '%.2f %.2f %.2f' % (s['read'], s['figures_and_flags'], s['write']))" \
        "$dir/out/2025-03/manifest.json" > "$dir/monthly-stages-$r.txt"
    done
    read -r peak visits s_read s_figs s_write s_whole <<< "$(python3 - "$dir" "$stage_runs" <<'PY'
import re, sys
d, n = sys.argv[1], int(sys.argv[2])
runs = []
for r in range(1, n + 1):
    text = open(f"{d}/monthly-time-{r}.txt").read()
    peak = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1)) / 1024
    clock = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", text).group(1).split(":")
    whole = sum(float(part) * 60 ** i for i, part in enumerate(reversed(clock)))
    visits, read, figs, write = open(f"{d}/monthly-stages-{r}.txt").read().split()
    runs.append((whole / float(read), peak, visits, read, figs, write, whole))
runs.sort()
_, _, visits, read, figs, write, whole = runs[len(runs) // 2]
print("%.0f" % max(r[1] for r in runs), visits, read, figs, write, "%.2f" % whole)
PY
)"
    supplier=$(awk -F, 'NR > 1 && $1 != "ALL" {print $1; exit}' "$dir/out/2025-03/figures.csv")
    investigate="$bin investigate --quiet --supplier $(printf %q "$supplier") --month 2025-03 --out $dir/out"
    hyperfine --style none --shell bash --runs "$runs" --warmup "$warmup" --prepare "cat $dir/out/2025-03/visits.parquet > /dev/null" \
      --export-json "$dir/investigate.json" "$investigate" > /dev/null
    /usr/bin/time -v -o "$dir/investigate-time.txt" bash -c "exec $investigate" > /dev/null
    read -r inv _ <<< "$(mean_sd "$dir/investigate.json")"
    inv_peak=$(peak_mib "$dir/investigate-time.txt")
    sample="$bin sample --quiet --month 2025-03 --out $dir/out"
    hyperfine --style none --runs "$runs" --warmup "$warmup" --prepare "cat $dir/out/2025-03/visits.parquet $dir/out/2025-03/flags.parquet > /dev/null" \
      --export-json "$dir/sample.json" "$sample" > /dev/null
    /usr/bin/time -v -o "$dir/sample-time.txt" $sample > /dev/null
    read -r smp _ <<< "$(mean_sd "$dir/sample.json")"
    smp_peak=$(peak_mib "$dir/sample-time.txt")
    per=$(awk -v a="$wall" -v n="$visits" 'BEGIN {printf "%.2f", a / n * 1e6}')
    per_visit+=("$per")
    printf '%-8s %10s %7s | %7s ± %4s %8s %8s %6s | %6s %7s %6s %6s %10s | %8s %8s | %8s %8s\n' \
      "$shape" "$visits" "$in_mb" "$wall" "$sd" "$per" "$peak" \
      "$(awk -v p="$peak" -v i="$in_mb" 'BEGIN {printf "%.2f", p * 1.048576 / i}')" \
      "$s_read" "$(awk -v i="$in_mb" -v r="$s_read" 'BEGIN {printf "%.0f", i / r}')" "$s_figs" "$s_write" \
      "$(awk -v a="$s_whole" -v r="$s_read" 'BEGIN {printf "%.2f", a / r}')" "$inv" "$inv_peak" "$smp" "$smp_peak"
    rm -rf "$dir/out"
    if [ -n "${polars_read:-}" ]; then
      separator=,
      [ "$dialect" = swedish ] && separator=';'
      hyperfine --style none --runs "$runs" --warmup "$warmup" --prepare "$warm" --export-json "$dir/polars.json" \
        "$polars_read $dir/visits-2025-03.csv '$separator'" > /dev/null
      read -r p_wall p_sd <<< "$(mean_sd "$dir/polars.json")"
      visits_mb=$(du -b "$dir/visits-2025-03.csv" | awk '{printf "%.0f", $1/1e6}')
      echo "         polars read of the visits file ($visits_mb MB): $p_wall ± $p_sd s, $(awk -v m="$visits_mb" -v t="$p_wall" 'BEGIN {printf "%.0f", m / t}') MB/s"
    fi
  done
  printf '%s\n' "${per_visit[@]}" | awk -v s="$shape" 'NR == 1 {lo = hi = $1} {if ($1 < lo) lo = $1; if ($1 > hi) hi = $1}
    END {printf "%s: time per visit %.2f–%.2f µs, the largest %.0f %% above the smallest\n", s, lo, hi, (hi / lo - 1) * 100}'
done
