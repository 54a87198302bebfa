#!/usr/bin/env bash
# The README's test command: installs what is missing, builds the sanitizer
# build (AddressSanitizer + UndefinedBehaviorSanitizer, warnings as errors)
# and runs every test through CTest; then builds the libFuzzer harnesses
# (clang-14, the same sanitizers) and runs each for a bounded time.
set -euo pipefail
cd "$(dirname "$0")/.."

bash platform/install-deps.sh
cmake --preset asan
cmake --build --preset asan
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --preset asan

cmake --preset fuzz
cmake --build --preset fuzz
ctest --preset fuzz
