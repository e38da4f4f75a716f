#!/usr/bin/env bash
# The real check of "self-contained": the tarball and the wheel inside a minimal Debian 12 root
# (debootstrap --variant=minbase, plus python3-venv for the wheel) that has no -dev packages and
# no Swift. Runs the demo config with the unpacked tarball's binary and with the wheel's console
# script and Python module (without NumPy: the command must not need it). Prints the glibc
# versions the bundled files require. Needs root (chroot, mount) and Debian's mirror; skips,
# successfully, where debootstrap is absent. The root is kept in .build-debian/ for the next run.
# Usage: check_minimal_debian.sh TARBALL WHEEL
set -euo pipefail
tarball=$(realpath "$1") wheel=$(realpath "$2")
repo=$(cd "$(dirname "$0")/../.." && pwd)
if ! command -v debootstrap >/dev/null || [[ $(id -u) != 0 ]]; then
    echo "minimal Debian: skipped (needs debootstrap and root; apt-get install debootstrap)"
    exit 0
fi

root=${VIZRUN_DEBIAN_ROOT:-$repo/.build-debian}
if [[ ! -e $root/.complete ]]; then
    rm -rf "$root"
    debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian >/dev/null
    chroot "$root" apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
    touch "$root/.complete"
fi
if chroot "$root" dpkg-query -W -f '${Package}\n' | grep -E -- '-dev$|swift'; then
    echo "FAIL: the minimal root has the packages above"; exit 1
fi

check=$root/tmp/vizrun-check
rm -rf "$check" && mkdir -p "$check/Configs"
cp -r "$repo"/Configs/{seed.yaml,models,images} "$check/Configs/"
cp "$tarball" "$wheel" "$check/"
mount -t proc proc "$root/proc"
trap 'umount "$root/proc"; rm -rf "$check"' EXIT

inside() { chroot "$root" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/root /bin/bash -euo pipefail -c "cd /tmp/vizrun-check && $1"; }
echo "minimal Debian: $(inside 'ldd --version | head -1')"
inside 'tar -xzf vizrun-*.tar.gz && vizrun-*-linux-x86_64/bin/vizrun Configs/seed.yaml -o out-tarball --quiet'
[[ -f $check/out-tarball/report.html ]] && echo "minimal Debian: the tarball's vizrun wrote the demo report"
inside 'python3 -m venv venv && venv/bin/pip install -q --no-index vizrun-*.whl && venv/bin/vizrun Configs/seed.yaml -o out-wheel --quiet'
[[ -f $check/out-wheel/report.html ]] && echo "minimal Debian: the wheel's vizrun wrote the demo report"
inside 'venv/bin/python -c "import vizrun; out = vizrun.run(\"Configs/seed.yaml\", \"--force\", output=\"out-wheel\", log=lambda line: None); print(\"minimal Debian: vizrun.run wrote\", len(out.manifest[\"runs\"][0][\"artifacts\"]), \"artifacts\")"'

if command -v objdump >/dev/null; then
    tree=$(echo "$check"/vizrun-*-linux-x86_64)
    echo "glibc required: $(objdump -T "$tree"/bin/vizrun "$tree"/lib/* | grep -oE 'GLIBC_2\.[0-9]+' | sort -t. -k2 -n -u | tail -1)"
fi
