#!/usr/bin/env bash
# Runs every test: installs what is missing, then
#   1. format check (clang-format) on project sources, docker-compose.yml validation
#   2. default build (RelWithDebInfo) + ctest: unit, hostile-input, db, e2e labels
#   3. ASan+UBSan build + ctest
#   4. libFuzzer targets (clang-14), each for XMPP_FUZZ_SECONDS with no finding
# Environment: XMPP_TEST_STAGES (default "format default asan fuzz"), XMPP_FUZZ_SECONDS (60),
# XMPP_JOBS (nproc).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

STAGES=${XMPP_TEST_STAGES:-"format default asan fuzz"}
FUZZ_SECONDS=${XMPP_FUZZ_SECONDS:-60}
JOBS=${XMPP_JOBS:-$(nproc)}
passed=0
failed=0
failed_names=()

bash scripts/install-deps.sh
# ccache keys on relative paths, so a fresh clone elsewhere reuses the cache.
export CCACHE_BASEDIR="$ROOT"
export CCACHE_NOHASHDIR=1

stage() {
  local name=$1
  shift
  echo
  echo "=== stage: $name"
  local start=$SECONDS
  if "$@"; then
    passed=$((passed + 1))
    echo "=== stage $name passed in $((SECONDS - start)) s"
  else
    failed=$((failed + 1))
    failed_names+=("$name")
    echo "=== stage $name FAILED in $((SECONDS - start)) s"
  fi
}

format_check() {
  local files
  files=$(git ls-files '*.cpp' '*.hpp' '*.h' 2>/dev/null || find libs services tests -name '*.[ch]pp')
  # shellcheck disable=SC2086
  clang-format --dry-run --Werror $files || return 1
  # The compose file must stay valid (no Docker engine here: only its syntax is checked).
  XMPP_TOKEN_KEY=x POSTGRES_PASSWORD=x GRAFANA_ADMIN_PASSWORD=x \
    docker-compose -f docker-compose.yml config -q || return 1
}

# Functions run under `if` in stage(), where bash ignores `set -e`: every step says || return.
build_and_test() {
  local preset=$1
  cmake --preset "$preset" >/dev/null || return 1
  cmake --build --preset "$preset" -j "$JOBS" || return 1
  ctest --preset "$preset" -j "$JOBS" --timeout 600 || return 1
}

run_fuzzers() {
  cmake --preset fuzz >/dev/null || return 1
  cmake --build --preset fuzz -j "$JOBS" || return 1
  local ok=0
  local fuzzer corpus work
  for fuzzer in $(find build/fuzz -type f -name '*_fuzz' -perm -u+x | sort); do
    corpus=$(find libs -path "*/fuzz/corpus" -type d | while read -r d; do
      [ -f "$(dirname "$d")/$(basename "$fuzzer").cpp" ] && echo "$d"; done | head -1)
    work=$(mktemp -d)
    [ -n "$corpus" ] && cp -r "$corpus"/. "$work"/
    echo "--- $(basename "$fuzzer") for ${FUZZ_SECONDS}s (seeds: ${corpus:-none})"
    if ! "$fuzzer" -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=2048 -timeout=10 \
        -artifact_prefix="$work/" -print_final_stats=1 "$work" 2>"$work/log"; then
      tail -50 "$work/log"
      # Keep the finding: it reproduces with `$fuzzer FILE`.
      mkdir -p build/fuzz/findings
      for f in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
        [ -f "$f" ] || continue
        cp "$f" build/fuzz/findings/
        echo "finding $(basename "$f") (hex):"
        od -An -tx1 "$f" | head -20
      done
      ok=1
    else
      grep -E "stat::number_of_executed_units|Done" "$work/log" | tail -2
    fi
    rm -rf "$work"
  done
  return $ok
}

for s in $STAGES; do
  case $s in
    format) stage format format_check ;;
    default) stage default build_and_test default ;;
    asan) stage asan build_and_test asan ;;
    tsan) stage tsan build_and_test tsan ;;
    fuzz) stage fuzz run_fuzzers ;;
    *) echo "unknown stage $s"; exit 2 ;;
  esac
done

echo
[ ${#failed_names[@]} -gt 0 ] && echo "failed stages: ${failed_names[*]}"
echo "stages: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
