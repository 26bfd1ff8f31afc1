#!/usr/bin/env bash
# Times the whole `tidkoll monthly` command (release build) on generated months and reports
# wall time and peak memory. Usage: benches/national.sh [VISITS...]   (default: 1000000 10000000)
# Data goes to ${TIDKOLL_BENCH_DIR:-/tmp/tidkoll-national}; generated once and reused.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/tidkoll
base=${TIDKOLL_BENCH_DIR:-/tmp/tidkoll-national}
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000000 10000000)
printf '%10s  %9s  %8s  %9s\n' visits dialect "wall s" "peak MiB"
for n in "${sizes[@]}"; do
  for dialect in canonical swedish; do
    dir="$base/$dialect-$n"
    if [ ! -f "$dir/visits-2025-03.csv" ]; then
      "$bin" generate --out "$dir" --months 2025-03 --visits "$n" --dialect "$dialect" > /dev/null
    fi
    config=()
    [ "$dialect" = swedish ] && config=(--config "$dir/tidkoll.toml")
    rm -rf "$dir/out"
    /usr/bin/time -v -o "$dir/time.txt" env TIDKOLL_PSEUDONYM_KEY=bench "$bin" monthly --quiet "${config[@]}" \
      --visits "$dir/visits-2025-03.csv" --granted "$dir/granted-2025-03.csv" --addons "$dir/addons-2025-03.csv" \
      --out "$dir/out" > /dev/null
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; print s}' "$dir/time.txt")
    peak=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$dir/time.txt")
    printf '%10s  %9s  %8s  %9s\n' "$n" "$dialect" "$wall" "$peak"
  done
done
