# The libFuzzer build (FEEDBACK_FUZZ, CMakePresets.json's "fuzz"), included by
# the top-level CMakeLists.txt instead of its modules and tests. Every module
# is configured but left out of `all`, so a build compiles only the libraries
# the harnesses link, each with libFuzzer's coverage, AddressSanitizer and
# UndefinedBehaviorSanitizer; then the harnesses and their CTest runs.
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "FEEDBACK_FUZZ needs clang with libFuzzer (Debian's clang-14 and libfuzzer-14-dev): "
                      "configure with `cmake --preset fuzz`.")
endif()

# The preset's Debug build keeps the asserts (the ingest path checks its fast
# reader against the full parser with them); -O1 makes it fast enough to fuzz.
target_compile_options(project_options INTERFACE
  -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -O1)
target_link_options(project_options INTERFACE -fsanitize=address,undefined)

add_subdirectory(shared EXCLUDE_FROM_ALL)
add_subdirectory(terminal EXCLUDE_FROM_ALL)
add_subdirectory(sync EXCLUDE_FROM_ALL)

enable_testing()
add_subdirectory(tests/fuzz)
