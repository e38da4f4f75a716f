#!/usr/bin/env bash
# Builds the libFuzzer targets of Tests/Fuzz with ASan in .build-fuzz, seeds them from the fixtures
# (Scripts/make_fuzz_corpus.py) and runs each for FUZZ_SECONDS, FUZZ_JOBS at a time; prints per
# target the executions, the coverage reached and the findings (reproducers in
# .build-fuzz/crashes/<target>/). See Docs/fuzzing.md. Exits non-zero if any target crashed.
#   Scripts/fuzz.sh [target…]     FUZZ_SECONDS=60 FUZZ_JOBS=2 SWIFT=swift
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${FUZZ_SECONDS:-60}
JOBS=${FUZZ_JOBS:-2}
SWIFT=${SWIFT:-swift}
ALL=(HDF5Model KerasArchive RawArchitecture RawWeights Image RunConfig Journal ONNXModel)
TARGETS=("${@:-${ALL[@]}}")
SCRATCH=.build-fuzz
BUILD_FLAGS=(-c release --scratch-path "$SCRATCH" -Xswiftc -sanitize=fuzzer,address -Xswiftc -enable-testing)

for target in "${TARGETS[@]}"; do
    VIZRUN_FUZZ=1 "$SWIFT" build "${BUILD_FLAGS[@]}" --product "Fuzz$target"
done
# The Journal seeds come from a real run of the uninstrumented command.
[ -x .build/release/vizrun ] || "$SWIFT" build -c release --product vizrun
rm -rf "$SCRATCH/corpus"
python3 Scripts/make_fuzz_corpus.py --out "$SCRATCH/corpus" --vizrun .build/release/vizrun

bin=$(VIZRUN_FUZZ=1 "$SWIFT" build "${BUILD_FLAGS[@]}" --show-bin-path)
run() {
    local target=$1 work="$SCRATCH/work/$1" crashes="$SCRATCH/crashes/$1"
    mkdir -p "$work" "$crashes"
    # Fork mode: each finding is saved and the campaign goes on. -malloc_limit_mb caps one
    # allocation: no input of at most 128 KB has a reason to ask for more than 1 GB at once. Leak
    # checking is off (the Swift runtime's caches look like leaks); asan.supp says what else is.
    ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1:suppressions=Tests/Fuzz/asan.supp "$bin/Fuzz$target" "$work" "$SCRATCH/corpus/$target" \
        -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 -max_total_time="$SECONDS_EACH" -timeout=10 \
        -rss_limit_mb=4096 -malloc_limit_mb=1024 -max_len=131072 -dict="Tests/Fuzz/$target/$target.dict" \
        -artifact_prefix="$crashes/" >"$SCRATCH/logs/$target.log" 2>&1 || true
}
mkdir -p "$SCRATCH/logs"
running=0
for target in "${TARGETS[@]}"; do
    run "$target" &
    running=$((running + 1))
    if [ "$running" -ge "$JOBS" ]; then wait -n; running=$((running - 1)); fi
done
wait

status=0
printf '%-16s %12s %8s %8s %22s  %s\n' target executions cov ft oom/timeout/crash reproducers
for target in "${TARGETS[@]}"; do
    # Fork mode's status lines: "#<executions>: cov: <edges> ft: <features> … oom/timeout/crash: a/b/c …".
    last=$(grep -E '^#[0-9]+: cov:' "$SCRATCH/logs/$target.log" | tail -1)
    execs=$(sed -E 's/^#([0-9]+):.*/\1/' <<<"$last")
    cov=$(grep -oE 'cov: [0-9]+' <<<"$last" | awk '{print $2}')
    ft=$(grep -oE 'ft: [0-9]+' <<<"$last" | awk '{print $2}')
    findings=$(grep -oE 'oom/timeout/crash: [0-9/]+' <<<"$last" | awk '{print $2}')
    saved=$(find "$SCRATCH/crashes/$target" -type f | wc -l)
    [ "$saved" -eq 0 ] || status=1
    printf '%-16s %12s %8s %8s %22s  %s\n' "$target" "${execs:-?}" "${cov:-?}" "${ft:-?}" "${findings:-?}" \
        "$([ "$saved" -eq 0 ] || echo "$saved in $SCRATCH/crashes/$target/ (log: $SCRATCH/logs/$target.log)")"
done
exit $status
