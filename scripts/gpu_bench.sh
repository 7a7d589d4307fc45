#!/usr/bin/env bash
# dispersa on a real GPU: the adapters, the adapter against the f64 CPU reference sample by
# sample, `dispersa bench` and a 10,000,000-sample reentry on the first discrete adapter, with
# nvidia-smi before, during (1 s samples) and after, and wall time and peak memory from
# /usr/bin/time. Nothing else depends on this script.
#
#   scripts/gpu_bench.sh [REPORT_DIR]
#
# REPORT_DIR (default gpu_bench_report) receives small text files only: machine.txt,
# adapters.txt, agree.txt, bench.txt, reentry_10m.txt (the run's summary on stdout),
# reentry_10m_time.txt and nvidia_smi_during.csv. The 10 M run's Parquet files (a few GB) go to $RUN_DIR (default
# a temporary folder, removed at the end; set KEEP_RUN=1 to keep them).
# DISPERSA: the binary to use (default: target/release/dispersa, built when missing).
# SAMPLES: the large run's size (default 10000000). ADAPTER_TYPE: the adapter type to pick
# (default DiscreteGpu; Cpu picks lavapipe, to try the script on a machine without a GPU).
# TIANWEN2_SAMPLES, BALLISTIC_SAMPLES: the sizes of the GPU-only benches of
# configs/tianwen2_reentry.toml and configs/bench/ballistic_exponential.toml (defaults 500000
# and 1000000, one repeat; the default `dispersa bench` before them runs every backend at its
# small default sizes). COMPARE_SAMPLES: the tianwen2 samples flown on the adapter (f64, then f32)
# and on the CPU reference for agree.txt (default 20000; needs python3 with pyarrow and numpy,
# scripts/compare_runs.py).
set -euo pipefail
cd "$(dirname "$0")/.."

REPORT=${1:-gpu_bench_report}
SAMPLES=${SAMPLES:-10000000}
BIN=${DISPERSA:-target/release/dispersa}
mkdir -p "$REPORT"

if [ ! -x "$BIN" ]; then
    cargo build --release
fi

have_smi=0
if command -v nvidia-smi > /dev/null; then
    have_smi=1
fi

{
    echo "date (UTC): $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "host: $(uname -srm), $(nproc) CPUs"
    echo "dispersa: $("$BIN" --version) (the binary's build commit)"
    if [ "$have_smi" = 1 ]; then nvidia-smi; else echo "nvidia-smi: not found"; fi
} > "$REPORT/machine.txt"

"$BIN" adapters | tee "$REPORT/adapters.txt"

# The first adapter of the type: `dispersa adapters` prints its name, then a line with its type.
type=${ADAPTER_TYPE:-DiscreteGpu}
name=$(awk -v t="type: $type " 'index($0, t) { print prev; exit } { prev = $0 }' \
    "$REPORT/adapters.txt")
if [ -z "$name" ]; then
    echo "gpu_bench.sh: no $type adapter in 'dispersa adapters' (see $REPORT/adapters.txt)" >&2
    exit 2
fi
export WGPU_ADAPTER_NAME="$name"
echo "adapter: $name" | tee -a "$REPORT/machine.txt"

# The adapter against the CPU reference on the same sampled inputs: on a machine without cargo
# this stands in for tests/gpu_cpu.rs. A refused f64 (the start-up self-test) shows here first.
n=${COMPARE_SAMPLES:-20000}
# A failed step is noted and the script goes on (set -e does not act inside this group).
cmp_dir=$(mktemp -d)
cmp_failed=0
{
    "$BIN" run configs/tianwen2_reentry.toml --samples "$n" --backend cpu --out "$cmp_dir/cpu" \
        --quiet || cmp_failed=1
    for p in f64 f32; do
        echo "== the adapter in $p against the CPU reference (f64), $n samples"
        "$BIN" run configs/tianwen2_reentry.toml --samples "$n" --backend gpu --precision "$p" \
            --out "$cmp_dir/$p" --quiet || cmp_failed=1
        python3 scripts/compare_runs.py "$cmp_dir/$p" "$cmp_dir/cpu" || cmp_failed=1
    done
} > "$REPORT/agree.txt" 2>&1
if [ "$cmp_failed" != 0 ]; then
    echo "gpu_bench.sh: a step of the comparison failed (see $REPORT/agree.txt)" >&2
fi
rm -rf "$cmp_dir"

"$BIN" bench | tee "$REPORT/bench.txt"
# At scale the GPU alone (the CPU reference's rates at these sizes would take minutes): the
# chunks are then the adapter's full size, and the host stages' busy times show which one
# feeds the GPU.
"$BIN" bench --config configs/tianwen2_reentry.toml --samples "${TIANWEN2_SAMPLES:-500000}" \
    --backend gpu --repeats 1 | tee -a "$REPORT/bench.txt"
"$BIN" bench --config configs/bench/ballistic_exponential.toml \
    --samples "${BALLISTIC_SAMPLES:-1000000}" --backend gpu --repeats 1 | tee -a "$REPORT/bench.txt"

RUN_DIR=${RUN_DIR:-$(mktemp -d)}
smi_pid=
if [ "$have_smi" = 1 ]; then
    nvidia-smi --query-gpu=timestamp,utilization.gpu,memory.used,power.draw \
        --format=csv -l 1 > "$REPORT/nvidia_smi_during.csv" &
    smi_pid=$!
fi
timer=()
if [ -x /usr/bin/time ]; then
    timer=(/usr/bin/time -v -o "$REPORT/reentry_10m_time.txt")
fi
start=$(date +%s.%N)
"${timer[@]}" "$BIN" run configs/tianwen2_reentry.toml --samples "$SAMPLES" \
    --out "$RUN_DIR/reentry_10m" --force > "$REPORT/reentry_10m.txt"
end=$(date +%s.%N)
if [ -n "$smi_pid" ]; then kill "$smi_pid" || true; fi
echo "wall time: $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }') s for $SAMPLES samples" | tee -a "$REPORT/reentry_10m.txt"
if [ "$have_smi" = 1 ]; then nvidia-smi >> "$REPORT/machine.txt"; fi
if [ "${KEEP_RUN:-0}" != 1 ]; then rm -rf "$RUN_DIR"; fi
echo "report in $REPORT"
