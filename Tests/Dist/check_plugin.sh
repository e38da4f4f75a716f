#!/usr/bin/env bash
# Builds the example plugin against an installed vizrun's SDK (build_plugin.sh) and runs it through
# that installation's command: listed by `vizrun plugins`, and its run in the manifest. Skipped,
# saying so, where there is no Swift toolchain to build a plugin with.
# Usage: check_plugin.sh VIZRUN_HOME VIZRUN_COMMAND WORK_DIR LABEL
set -euo pipefail
home=$1 vizrun=$2 work=$3 label=$4
repo=$(cd "$(dirname "$0")/../.." && pwd)
if ! command -v swiftc >/dev/null; then
    echo "$label: no swiftc, so the plugin check is skipped"
    exit 0
fi
plugin=$("$repo/Tests/Dist/build_plugin.sh" "$home" "$work/plugin")
"$vizrun" plugins --plugin "$plugin" | grep -q channel_stats
"$vizrun" "$repo/Tests/Dist/plugin.yaml" -o "$work/plugin-out" --plugin "$plugin" --quiet
grep -q '"visualizer" *: *"channel_stats"' "$work/plugin-out/manifest.json"
echo "$label: a plugin built against its SDK ran through its vizrun"
