#!/usr/bin/env bash
# Times the whole `tidkoll monthly` command (release build) on generated months, canonical and
# Swedish dialect, against a bare polars read of the same canonical file, and prints a table:
# median wall time over RUNS runs, peak memory, time per visit, ratio to the polars read (run
# after each tidkoll run, so both see the same machine), and the stage times of the median
# run (figs includes visits.parquet, written beside the figures; write is the other tables).
#
# Usage: benches/national.sh [VISITS...]        (default: 1000000 3000000 10000000)
# Env:   RUNS (default 3), TIDKOLL_BENCH_DIR (default /tmp/tidkoll-national; data is generated
#        once and reused), POLARS_READ=0 to skip the polars reference (its first build takes
#        about 10 minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=$PWD/target/release/tidkoll
if [ "${POLARS_READ:-1}" != 0 ]; then
  (cd benches/polars_read && CARGO_TARGET_DIR=${POLARS_READ_TARGET:-/tmp/polars-read-target} cargo build --release --quiet)
  polars_read=${POLARS_READ_TARGET:-/tmp/polars-read-target}/release/polars-read
fi
base=${TIDKOLL_BENCH_DIR:-/tmp/tidkoll-national}
runs=${RUNS:-3}
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000000 3000000 10000000)

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
seconds() { awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; print s}' "$1"; }
peak() { awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$1"; }

printf '%10s  %9s  %7s  %8s  %8s  %8s  %7s  %6s  %6s  %6s\n' visits dialect "wall s" "peak MiB" "µs/visit" "polars s" ratio read figs write
for n in "${sizes[@]}"; do
  for dialect in canonical swedish; do
    dir="$base/$dialect-$n"
    if [ ! -f "$dir/visits-2025-03.csv" ]; then
      "$bin" generate --out "$dir" --months 2025-03 --visits "$n" --dialect "$dialect" > /dev/null
    fi
    config=()
    [ "$dialect" = swedish ] && config=(--config "$dir/tidkoll.toml")
    cat "$dir"/*.csv > /dev/null   # warm the page cache so runs compare
    walls=(); peaks=(); reads=()
    with_polars=$([ "${POLARS_READ:-1}" != 0 ] && [ "$dialect" = canonical ] && echo 1 || echo 0)
    for r in $(seq "$runs"); do
      rm -rf "$dir/out-$r"
      /usr/bin/time -v -o "$dir/time-$r.txt" env TIDKOLL_PSEUDONYM_KEY=bench "$bin" monthly --quiet "${config[@]}" \
        --visits "$dir/visits-2025-03.csv" --granted "$dir/granted-2025-03.csv" --addons "$dir/addons-2025-03.csv" \
        --out "$dir/out-$r" > /dev/null
      walls+=("$(seconds "$dir/time-$r.txt") $r"); peaks+=("$(peak "$dir/time-$r.txt")")
      # The polars read right after each run, so that the machine's drift hits both alike.
      if [ "$with_polars" = 1 ]; then
        reads+=("$("$polars_read" "$dir/visits-2025-03.csv" | awk '{print $3}')")
      fi
    done
    mid=$(printf '%s\n' "${walls[@]}" | sort -g | awk -v k=$(( (runs + 1) / 2 )) 'NR==k {print $2}')
    wall=$(seconds "$dir/time-$mid.txt")
    top=$(printf '%s\n' "${peaks[@]}" | sort -g | tail -1)
    visits=$(python3 -c "import json;print(json.load(open('$dir/out-$mid/2025-03/manifest.json'))['accounting']['visits_analysed'])")
    stages=$(python3 -c "import json;s=json.load(open('$dir/out-$mid/2025-03/manifest.json'))['stage_seconds'];print('%.1f %.1f %.1f'%(s['read'],s['figures_and_flags'],s['write']))")
    polars="-"; ratio="-"
    if [ "$with_polars" = 1 ]; then
      polars=$(printf '%s\n' "${reads[@]}" | median)
      ratio=$(awk -v a="$wall" -v b="$polars" 'BEGIN {printf "%.2f", a/b}')
    fi
    per=$(awk -v a="$wall" -v n="$visits" 'BEGIN {printf "%.2f", a/n*1e6}')
    read -r s_read s_figs s_write <<< "$stages"
    printf '%10s  %9s  %7s  %8s  %8s  %8s  %7s  %6s  %6s  %6s\n' "$visits" "$dialect" "$wall" "$top" "$per" "$polars" "$ratio" "$s_read" "$s_figs" "$s_write"
    rm -rf "$dir"/out-*
  done
done
