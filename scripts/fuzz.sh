#!/usr/bin/env bash
# Runs the cargo-fuzz targets (tests/fuzz, nightly + libFuzzer) one after another, one process
# each, at low priority. Not part of `make test`: `make fuzz` runs it. Usage:
#
#   scripts/fuzz.sh                      # every target, FUZZ_SECONDS (default 300) each
#   scripts/fuzz.sh verify 1800          # one target for 30 minutes
#
# Seeds come from tests/vectors (tests/fuzz/seeds.py) plus the committed regression entries
# (tests/vectors/fuzz/<target>/); the growing corpus stays in tests/fuzz/corpus/ (ignored by
# git). A crash stops that target and leaves its input in tests/fuzz/artifacts/<target>/; the
# script then goes on with the next target and exits non-zero at the end. Minimise a finding
# with `cargo +nightly fuzz tmin --fuzz-dir tests/fuzz -s none -a <target> <file>`, fix it, add
# it to tests/vectors/fuzz/<target>/ and its outcome to tests/vectors/fuzz/expect.json.
set -euo pipefail
cd "$(dirname "$0")/.."

TARGETS=(compact jwks pem policy template vault_config authorize verify)
if [[ $# -ge 1 ]]; then TARGETS=("$1"); fi
SECONDS_EACH="${2:-${FUZZ_SECONDS:-300}}"

rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz

python3 tests/fuzz/seeds.py
for t in "${TARGETS[@]}"; do
  mkdir -p "tests/fuzz/corpus/$t"
  cp -n tests/vectors/fuzz/"$t"/* "tests/fuzz/corpus/$t/" 2>/dev/null || true
done

# -s none: the crate forbids unsafe code, so AddressSanitizer mostly costs throughput here;
# -a keeps debug assertions and overflow checks on (an overflow is a bug we want to find).
FLAGS=(--fuzz-dir tests/fuzz -s none -a)
# (`cargo fuzz run` builds the target itself, with its own profile settings.)

# The wasm builds run on a 1 MiB stack (Rust's wasm32 default), the fuzzer's main thread on
# 8 MiB: fuzz with 1 MiB too, so recursion that would trap in wasm crashes here.
ulimit -s 1024

status=0
for t in "${TARGETS[@]}"; do
  max_len=8192
  [[ $t == compact || $t == verify ]] && max_len=20000
  echo "== fuzzing $t for ${SECONDS_EACH}s"
  if ! nice cargo +nightly fuzz run "${FLAGS[@]}" "$t" -- \
      -max_total_time="$SECONDS_EACH" -max_len="$max_len" -timeout=10 \
      -rss_limit_mb=1024 -print_final_stats=1; then
    echo "!! $t found a problem: see tests/fuzz/artifacts/$t/"
    status=1
  fi
done
exit "$status"
