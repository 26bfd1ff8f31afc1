#!/usr/bin/env bash
# Checks that a change leaves every output a user reads as it was: builds BASE (a git revision)
# beside the working tree, runs both on the same inputs, and compares every file they write,
# byte for byte, and what they print.
#
# Inputs: the fixtures in both dialects (monthly for each month, quarter, year, investigate of
# every supplier for the month and the quarter) and a generated national month of VISITS visits
# (monthly, investigate of three suppliers).
#
# Not compared unless VISITS_PARQUET=same: visits.parquet (its row order and statistics may
# change; its rows are compared as a set through the investigations, which read it; a change
# that must leave the file byte for byte as it was sets VISITS_PARQUET=same), the manifest's times (created, seconds,
# stage_seconds), docProps/core.xml inside workbooks and documents (their creation time), and
# the results directory's own path in what is printed. Workbooks and documents (zip files) are
# compared member by member.
#
# Usage: benches/same_outputs.sh BASE [VISITS]     (VISITS default 300000)
# Env:   CARGO_TARGET_DIR (the new build), BASE_TARGET_DIR (the base's build, default
#        /tmp/tidkoll-same-target, first copied from the new one), SAME_OUTPUTS_DIR (the results
#        of both, default /tmp/tidkoll-same-outputs), PROFILE (release, the default, or dev:
#        debug builds, which build in a minute where a release build takes a quarter of an
#        hour; the outputs are the same), VISITS_PARQUET (same: compare visits.parquet too).
# Example: benches/same_outputs.sh HEAD~3
# Exits 1 and lists the files that differ, 0 when nothing differs.
set -euo pipefail
cd "$(dirname "$0")/.."
base_rev=${1:?usage: benches/same_outputs.sh BASE [VISITS]}
visits=${2:-300000}
work=${SAME_OUTPUTS_DIR:-/tmp/tidkoll-same-outputs}
rm -rf "$work" && mkdir -p "$work"
git worktree add --detach --force "$work/base-src" "$base_rev" > /dev/null
trap 'git worktree remove --force "$work/base-src"' EXIT
profile=${PROFILE:-release}
case $profile in
  release) build=(--release) profile_dir=release ;;
  dev) build=() profile_dir=debug ;;
  *) echo "PROFILE is release or dev, not $profile" >&2; exit 2 ;;
esac
cargo build "${build[@]}" --quiet
new_target=$(cd "${CARGO_TARGET_DIR:-target}" && pwd)
base_target=${BASE_TARGET_DIR:-/tmp/tidkoll-same-target}
# The base starts from a copy of the new build, so that only what changed is built again.
[ -d "$base_target" ] || cp -a "$new_target" "$base_target"
(cd "$work/base-src" && CARGO_TARGET_DIR=$base_target cargo build "${build[@]}" --quiet)
new=$new_target/$profile_dir/tidkoll
old=$base_target/$profile_dir/tidkoll
export TIDKOLL_PSEUDONYM_KEY=same-outputs-key-0123456789

"$new" generate --out "$work/national" --shape national --months 2025-03 --visits "$visits" > /dev/null

# run NAME BINARY: every command on every input, results under $work/NAME, printed text in
# $work/NAME/printed/ with the results directory replaced by OUT.
run() {
  local name=$1 bin=$2 out=$work/$1
  mkdir -p "$out/printed"
  say() { local file=$1; shift; "$@" 2>&1 | sed "s#$out#OUT#g" > "$out/printed/$file" || true; }
  for dialect in canonical swedish; do
    local f=fixtures/$dialect
    for month in 2025-01 2025-02 2025-03; do
      say "$dialect-monthly-$month" "$bin" monthly --config "$f/tidkoll.toml" --visits "$f/visits-$month.csv" \
        --granted "$f/granted-$month.csv" --addons "$f/addons-$month.csv" --absences "$f/absences-$month.csv" \
        --out "$out/$dialect"
    done
    say "$dialect-quarter" "$bin" quarter --quarter 2025-Q1 --config "$f/tidkoll.toml" --out "$out/$dialect"
    say "$dialect-year" "$bin" year --year 2025 --config "$f/tidkoll.toml" --out "$out/$dialect"
    for supplier in $(awk -F, 'NR > 1 && $1 != "ALL" {print $1}' "$out/$dialect/2025-03/figures.csv" | sort -u); do
      say "$dialect-investigate-$supplier-month" "$bin" investigate --supplier "$supplier" --month 2025-03 --out "$out/$dialect"
      say "$dialect-investigate-$supplier-quarter" "$bin" investigate --supplier "$supplier" --quarter 2025-Q1 --out "$out/$dialect"
    done
  done
  local n=$work/national
  say national-monthly "$bin" monthly --visits "$n/visits-2025-03.csv" --granted "$n/granted-2025-03.csv" \
    --addons "$n/addons-2025-03.csv" --out "$out/national"
  for supplier in $(awk -F, 'NR > 1 && $1 != "ALL" {print $1}' "$out/national/2025-03/figures.csv" | sort -u | sed -n '1p;7p;$p'); do
    say "national-investigate-$supplier" "$bin" investigate --supplier "$supplier" --month 2025-03 --out "$out/national"
  done
}
run old "$old"
run new "$new"

python3 - "$work/old" "$work/new" "${VISITS_PARQUET:-}" <<'EOF'
import io, json, os, sys, zipfile
old, new, visits_parquet = sys.argv[1], sys.argv[2], sys.argv[3]

def files(root):
    return {os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs}

def content(path):
    data = open(path, 'rb').read()
    if path.endswith('manifest.json'):
        m = json.loads(data)
        for key in ('created', 'seconds', 'stage_seconds'):
            m.pop(key, None)
        return json.dumps(m, sort_keys=True).encode()
    if data[:2] == b'PK':
        z = zipfile.ZipFile(io.BytesIO(data))
        return b''.join(n.encode() + z.read(n) for n in sorted(z.namelist()) if n != 'docProps/core.xml')
    return data

a, b = files(old), files(new)
only = sorted(a ^ b)
same = [f for f in sorted(a & b) if visits_parquet == 'same' or not f.endswith('visits.parquet')]
differ = [f for f in same if content(os.path.join(old, f)) != content(os.path.join(new, f))]
for f in only:
    print('only in', 'base' if f in a else 'new', f)
for f in differ:
    print('differs', f)
print(f'{len(same)} files compared, {len(differ)} differ, {len(only)} in one run only')
sys.exit(1 if differ or only else 0)
EOF
