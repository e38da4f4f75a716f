#!/usr/bin/env bash
# Builds the example plugin (Docs/Examples/ChannelStats, the channel_stats visualizer) against an
# installed vizrun's SDK, as a plugin author without vizrun's sources or Debian's -dev packages
# would: the .swiftmodule files in sdk/modules, libVizCore.so and libVizImage.so in lib/.
# Needs the Swift toolchain vizrun was built with (binary .swiftmodule files are tied to it).
# Usage: build_plugin.sh VIZRUN_HOME OUT_DIR   → OUT_DIR/libChannelStats.so
set -euo pipefail
home=$(cd "$1" && pwd) out=$2
repo=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$out"
# The rpath lets the loader find libVizCore.so when vizrun loads the plugin; every symbol of it
# then binds to the copy inside the vizrun executable, as with a plugin built from source.
swiftc -emit-library -parse-as-library -O -swift-version 5 -module-name ChannelStats \
    -I "$home/sdk/modules" -L "$home/lib" -lVizCore -lVizImage -Xlinker -rpath -Xlinker "$home/lib" \
    "$repo"/Docs/Examples/ChannelStats/Sources/ChannelStats/*.swift -o "$out/libChannelStats.so"
echo "$out/libChannelStats.so"
