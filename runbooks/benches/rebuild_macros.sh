#!/usr/bin/env bash
# Benchmark: the incremental rebuild after editing one catalog runbook (touch, then
# `cargo build -p runbooks`), for the macro-written Remediate-S3-EnableBucketVersioning
# (runbooks/src/catalog/s3_bucket_versioning.rs) versus its builder twin
# (runbooks/benches/twin/s3_bucket_versioning.rs, the same document: see
# runbooks/tests/macro_twin.rs).
#
# Each round builds both variants: the variant's file is put in place and built once (not
# timed), then touched and built again (timed). Rounds alternate the variants so that load
# from other processes hits both alike. The catalog file is restored on exit. Prints each run
# and the medians; method and results are in BENCHMARKS.md.
#
#   runbooks/benches/rebuild_macros.sh            # 7 rounds
#   ROUNDS=11 runbooks/benches/rebuild_macros.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${ROUNDS:-7}
module=runbooks/src/catalog/s3_bucket_versioning.rs
twin=runbooks/benches/twin/s3_bucket_versioning.rs
saved=$(mktemp)
cp "$module" "$saved"
trap 'cp "$saved" "$module"; rm -f "$saved"' EXIT

now() { date +%s.%N; }
timed_build() {
  cargo build -q -p runbooks
  touch "$module"
  local t0 t1
  t0=$(now)
  cargo build -q -p runbooks
  t1=$(now)
  echo "$t1 - $t0" | bc
}
median() { sort -n | awk '{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else printf "%.3f\n", (a[NR/2]+a[NR/2+1])/2}'; }

macro_times=()
builder_times=()
for round in $(seq 1 "$ROUNDS"); do
  cp "$saved" "$module"
  m=$(timed_build)
  cp "$twin" "$module"
  b=$(timed_build)
  macro_times+=("$m")
  builder_times+=("$b")
  printf 'round %2d  macro %6.2fs  builder %6.2fs\n' "$round" "$m" "$b"
done
mm=$(printf '%s\n' "${macro_times[@]}" | median)
bm=$(printf '%s\n' "${builder_times[@]}" | median)
printf 'median    macro %6.2fs  builder %6.2fs  ratio %.2f (target <= 1.5)\n' "$mm" "$bm" "$(echo "$mm / $bm" | bc -l)"
