#!/usr/bin/env bash
# Unpacks the release tarball and uses it as a user would: `--version`, the demo config
# (Configs/seed.yaml) through the bundled binary, and, where swiftc is on PATH, the example plugin
# built against the tarball's SDK and loaded with --plugin.
# Usage: check_tarball.sh dist/vizrun-VERSION-linux-x86_64.tar.gz
set -euo pipefail
tarball=$(realpath "$1")
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

tar -C "$work" -xzf "$tarball"
home=$(echo "$work"/vizrun-*)
version=$("$home/bin/vizrun" --version)
[[ $(basename "$tarball") == "vizrun-$version-linux-x86_64.tar.gz" ]] || { echo "FAIL: $tarball holds vizrun $version"; exit 1; }

"$home/bin/vizrun" "$repo/Configs/seed.yaml" -o "$work/seed" --quiet
python3 - "$work/seed" "$version" <<'PY'
import json, sys, pathlib
out, version = pathlib.Path(sys.argv[1]), sys.argv[2]
manifest = json.loads((out / "manifest.json").read_text())
assert manifest["vizrun"] == version, manifest["vizrun"]
missing = [a["path"] for run in manifest["runs"] for a in run["artifacts"] if not (out / a["path"]).is_file()]
assert not missing and (out / "report.html").is_file(), missing
print(f"tarball: seed.yaml wrote {sum(len(r['artifacts']) for r in manifest['runs'])} artifacts and report.html")
PY


"$repo/Tests/Dist/check_plugin.sh" "$home" "$home/bin/vizrun" "$work" tarball
echo "tarball: ok (vizrun $version)"
