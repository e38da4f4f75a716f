#!/bin/bash
# Queues the shards as a job array and the merge after them: bash Docs/Examples/slurm/submit.sh
set -euo pipefail
cd "$(dirname "$0")/../../.."
mkdir -p logs
array=$(sbatch --parsable Docs/Examples/slurm/vizrun-shards.sbatch)
sbatch --dependency=afterok:"${array%%;*}" Docs/Examples/slurm/vizrun-merge.sbatch
