#!/usr/bin/env bash
# Rate and peak memory of one large run: `dispersa bench` times many small runs; this times one
# big one, as a 10^7-sample job on a cluster node would run, with peak RSS from /usr/bin/time.
#
#   scripts/bench_scale.sh [SAMPLES] [CONFIG] [-- dispersa run arguments]
#   scripts/bench_scale.sh 10000000                      # the ballistic bench config, auto backend
#   scripts/bench_scale.sh 200000 -- --backend cpu       # the same config on the CPU engine
#   scripts/bench_scale.sh 1000000 configs/tianwen2_reentry.toml -- --backend gpu --precision f64
#
# Prints one line: samples, wall time, samples/s, peak RSS, the engine (backend, adapter,
# precision), and the size of samples.parquet. Writes the run to a temporary directory on the
# same disk as results/ (a 10^7-sample ballistic run is about 1.3 GB) and removes it.
set -euo pipefail
cd "$(dirname "$0")/.."
# Positional arguments until "--" (either may be left out: SAMPLES -- ARGS keeps the default
# config).
samples=10000000
config=configs/bench/ballistic_exponential.toml
for slot in samples config; do
    [ $# -eq 0 ] || [ "$1" = "--" ] && break
    printf -v "$slot" '%s' "$1"
    shift
done
[ "${1:-}" = "--" ] && shift
case "$samples" in
    ''|*[!0-9]*) echo "bench_scale: SAMPLES must be a whole number, got '$samples'" >&2; exit 2 ;;
esac
if [ ! -x /usr/bin/time ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null
fi
cargo build --release --quiet
target_dir="$(cargo metadata --format-version 1 --no-deps \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
mkdir -p results
out="$(mktemp -d results/.bench_scale.XXXXXX)"
trap 'rm -rf "$out"' EXIT
log="$out/time.log"
/usr/bin/time -v -o "$log" "$target_dir/release/dispersa" run "$config" --samples "$samples" \
    --out "$out/run" "$@" > "$out/stdout"
wrote="$(head -n 1 "$out/stdout")"
rss_kb="$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")"
wall="$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log")"
size="$(du -h "$out/run/samples.parquet" | cut -f1)"
echo "bench_scale: $config, $samples samples: wall $wall, peak RSS $((rss_kb / 1024)) MB, samples.parquet $size"
echo "bench_scale: $wrote"
