#!/usr/bin/env bash
# Installs the wheel into a fresh virtual environment and uses it as a user would: the `vizrun`
# console script on the demo config (timed from `pip install` to the report), the Python wrapper's
# tests (test_wrapper.py, against the installed module), and, where swiftc is on PATH, the example
# plugin built against the installed SDK and loaded with --plugin.
# Usage: check_wheel.sh dist/vizrun-VERSION-py3-none-TAG.whl
set -euo pipefail
wheel=$(realpath "$1")
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 -m venv "$work/venv"
bin=$work/venv/bin
start=$EPOCHREALTIME
"$bin/pip" install -q "$wheel"
"$bin/vizrun" "$repo/Configs/seed.yaml" -o "$work/seed" --quiet
[[ -f $work/seed/report.html ]] || { echo "FAIL: no report"; exit 1; }
echo "wheel: pip install to the first report: $(python3 -c "print(round($EPOCHREALTIME - $start, 1))") s"

version=$("$bin/vizrun" --version)
[[ $(basename "$wheel") == vizrun-$version-py3-none-*.whl ]] || { echo "FAIL: $wheel holds vizrun $version"; exit 1; }

# The wrapper's own dependency, and the test runner (from the pip cache where warm).
"$bin/pip" install -q numpy pytest
(cd "$work" && "$bin/python" -m pytest -q -p no:cacheprovider "$repo/Tests/Dist/test_wrapper.py")

home=$("$bin/python" -c 'import os, vizrun; print(os.path.dirname(vizrun.__file__))')
"$repo/Tests/Dist/check_plugin.sh" "$home" "$bin/vizrun" "$work" wheel
echo "wheel: ok (vizrun $version)"
