#!/usr/bin/env bash
# Queue a sharded dispersa run on Slurm: an array of SHARDS tasks, at most THROTTLE running at
# once, and the merge, which starts only when every task succeeded.
#
#   deploy/slurm/submit.sh CONFIG OUT SHARDS [THROTTLE] [-- dispersa run arguments]
#   deploy/slurm/submit.sh configs/tianwen2_reentry.toml results/big 16 4 -- --samples 10000000
#
# Prints the two job ids (array, merge) on stdout. DISPERSA_BIN names the binary [dispersa].
# Edit shards.sbatch's #SBATCH lines for the partition, GPUs, memory and time of your site.
set -euo pipefail
if [ $# -lt 3 ]; then
    sed -n '2,9p' "$0" >&2
    exit 2
fi
here="$(cd "$(dirname "$0")" && pwd)"
config="$1" out="$2" shards="$3"
shift 3
throttle="$shards"
if [ $# -gt 0 ] && [ "$1" != "--" ]; then
    throttle="$1"
    shift
fi
[ "${1:-}" = "--" ] && shift
for n in "$shards" "$throttle"; do
    case "$n" in
        ''|*[!0-9]*|0*) echo "submit.sh: SHARDS and THROTTLE are whole numbers of at least 1, got '$n'" >&2; exit 2 ;;
    esac
done
# The run arguments reach the tasks as one string split at spaces (DISPERSA_ARGS): an argument
# that holds a space would be cut in two, so it is refused here.
# The tasks pass --quiet, --out, --shard and --resume themselves; given twice, dispersa would
# refuse every task (a trial queued such a job).
for a in "$@"; do
    case "$a" in
        *[[:space:]]*) echo "submit.sh: run argument '$a' holds a space; write it without (--set key=value)" >&2; exit 2 ;;
        --quiet|--out|--out=*|--shard|--shard=*|--resume) echo "submit.sh: the tasks pass $a themselves (OUT and SHARDS are submit.sh's arguments); leave it out" >&2; exit 2 ;;
    esac
done
[ -f "$config" ] || { echo "submit.sh: no config file $config" >&2; exit 2; }
# The tasks may start in another directory: absolute paths.
DISPERSA_CONFIG="$(realpath "$config")"
DISPERSA_OUT="$(realpath -m "$out")"
DISPERSA_SHARDS="$shards"
DISPERSA_ARGS="$*"
export DISPERSA_CONFIG DISPERSA_OUT DISPERSA_SHARDS DISPERSA_ARGS
array=$(sbatch --parsable --export=ALL --array="0-$((shards - 1))%${throttle}" \
    "$here/shards.sbatch")
array="${array%%;*}"
merge=$(sbatch --parsable --export=ALL --dependency="afterok:${array}" "$here/merge.sbatch")
merge="${merge%%;*}"
echo "submitted shards job ${array} (array 0-$((shards - 1)), ${throttle} at a time) and merge job ${merge} (after every shard succeeded)" >&2
echo "${array} ${merge}"
