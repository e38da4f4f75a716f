#!/usr/bin/env python3
"""Writes the vizrun wheel: the Python module (Python/vizrun), the assembled tree as package data
beside it (vizrun/bin, vizrun/lib, vizrun/sdk), the licences in .dist-info/licenses, and a
`vizrun` console script. Written directly with zipfile, as the wheel spec describes it: a build
backend would add nothing but a way to lose the executable bit or follow symbolic links.

Usage: build_wheel.py TREE PYTHON_SOURCE OUT_DIR [--platform-tag TAG]
"""

import argparse
import base64
import hashlib
import stat
import zipfile
from pathlib import Path

SUMMARY = "See what a convolutional network learned: activations, filter patterns, Grad-CAM, from a YAML config"


def metadata(version: str, licenses: list) -> str:
    lines = [
        "Metadata-Version: 2.4",
        "Name: vizrun",
        f"Version: {version}",
        f"Summary: {SUMMARY}",
        "Requires-Python: >=3.8",
        # The command needs nothing; Output.array needs NumPy.
        "Provides-Extra: numpy",
        'Requires-Dist: numpy; extra == "numpy"',
        "Classifier: Operating System :: POSIX :: Linux",
        "Classifier: Programming Language :: Swift",
        *[f"License-File: {name}" for name in licenses],
        "Description-Content-Type: text/markdown",
        "",
    ]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("tree", type=Path)
    parser.add_argument("python_source", type=Path)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--platform-tag", default="linux_x86_64")
    args = parser.parse_args()

    version = (args.tree / "VERSION").read_text().strip()
    dist_info = f"vizrun-{version}.dist-info"
    files = []  # (name in the wheel, bytes, executable)
    for path in sorted(args.python_source.rglob("*.py")):
        files.append((f"vizrun/{path.relative_to(args.python_source)}", path.read_bytes(), False))
    for part in ("bin", "lib", "sdk"):
        for path in sorted((args.tree / part).rglob("*")):
            if path.is_file():
                executable = bool(path.stat().st_mode & stat.S_IXUSR)
                files.append((f"vizrun/{path.relative_to(args.tree)}", path.read_bytes(), executable))
    files.append(("vizrun/README.md", (args.tree / "README.md").read_bytes(), False))
    licenses = sorted(p.name for p in (args.tree / "licenses").iterdir())
    for name in licenses:
        files.append((f"{dist_info}/licenses/{name}", (args.tree / "licenses" / name).read_bytes(), False))
    files.append((f"{dist_info}/METADATA",
                  (metadata(version, licenses) + (args.tree / "README.md").read_text()).encode(), False))
    files.append((f"{dist_info}/WHEEL", (
        "Wheel-Version: 1.0\nGenerator: vizrun Packaging/build_wheel.py\nRoot-Is-Purelib: false\n"
        f"Tag: py3-none-{args.platform_tag}\n").encode(), False))
    files.append((f"{dist_info}/entry_points.txt", b"[console_scripts]\nvizrun = vizrun.__main__:main\n", False))

    record = []
    args.out_dir.mkdir(parents=True, exist_ok=True)
    wheel = args.out_dir / f"vizrun-{version}-py3-none-{args.platform_tag}.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data, executable in files:
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))  # reproducible
            info.compress_type = zipfile.ZIP_DEFLATED
            # pip restores the executable bit from the entry's Unix mode.
            info.external_attr = ((0o755 if executable else 0o644) | stat.S_IFREG) << 16
            archive.writestr(info, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append(f"{name},sha256={digest},{len(data)}")
        record.append(f"{dist_info}/RECORD,,")
        info = zipfile.ZipInfo(f"{dist_info}/RECORD", date_time=(2020, 1, 1, 0, 0, 0))
        info.external_attr = (0o644 | stat.S_IFREG) << 16
        archive.writestr(info, "\n".join(record) + "\n", compress_type=zipfile.ZIP_DEFLATED)
    print(wheel)


if __name__ == "__main__":
    main()
