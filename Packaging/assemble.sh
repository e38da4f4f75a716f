#!/usr/bin/env bash
# Lays out the self-contained vizrun tree that the tarball and the wheel both carry:
#   bin/vizrun         the command, finding its libraries through RUNPATH $ORIGIN/../lib
#   lib/               libVizCore.so, libVizImage.so, the Swift runtime and every Debian library
#                      they load, each under the name its users ask for (RUNPATH $ORIGIN)
#   sdk/modules/       what a plugin compiles against: VizCore, VizImage and Yams .swiftmodule files,
#                      the C modules they import and their headers (Docs/install.md)
#   licenses/          one file per bundled library, Swift's, the Swift packages', vizrun's own
#   README.md, VERSION
# Usage: Packaging/assemble.sh BUILD_DIR TREE   (BUILD_DIR: swift build's release folder)
set -euo pipefail
build=$1 tree=$2
here=$(cd "$(dirname "$0")" && pwd)
PATCHELF=${PATCHELF:-patchelf}

# What every Linux has: glibc, the loader and GCC's C++ runtime (the libraries manylinux assumes).
system='^(linux-vdso\.so\.1|ld-linux-x86-64\.so\.2|lib(c|m|dl|rt|pthread|resolv|util)\.so\.[0-9]+|libgcc_s\.so\.1|libstdc\+\+\.so\.6)$'

rm -rf "$tree"
mkdir -p "$tree"/{bin,lib,sdk/modules,licenses}
# Debug info is most of the size; the symbol table stays, for readable crash backtraces.
strip --strip-debug -o "$tree/bin/vizrun" "$build/vizrun"
for sdk in VizCore VizImage; do
    strip --strip-debug -o "$tree/lib/lib$sdk.so" "$build/lib$sdk.so"
done

# The plugin SDK. VizCore and VizImage are built without library evolution, so a module importing
# them loads every module they import, internal ones included: Yams and the C modules (CDNNL,
# CJPEG, CPNG, CYaml), whose headers come along. One module map declares the C modules without
# their `link` lines (a plugin links libVizCore.so and libVizImage.so, never oneDNN or libpng),
# so `-I sdk/modules` is the one flag a plugin needs to compile.
repo=$(cd "$here/.." && pwd)
checkouts=$(cd "$build/../checkouts" && pwd)
modules=$tree/sdk/modules
cp "$build"/Modules/{VizCore,VizImage,Yams}.swiftmodule "$modules/"
for c in CDNNL CJPEG CPNG; do mkdir -p "$modules/$c" && cp "$repo/Sources/$c/shim.h" "$modules/$c/"; done
mkdir -p "$modules"/{CYaml,oneapi/dnnl}
cp "$checkouts/Yams/Sources/CYaml/include/yaml.h" "$modules/CYaml/shim.h"
cp /usr/include/oneapi/dnnl/*.h "$modules/oneapi/dnnl/"
cp /usr/include/turbojpeg.h /usr/include/libpng16/{png,pngconf,pnglibconf}.h "$modules/"
for c in CDNNL CJPEG CPNG CYaml; do
    printf 'module %s [system] {\n    header "%s/shim.h"\n    export *\n}\n' "$c" "$c"
done >"$modules/module.modulemap"

# Every library the command and the SDK libraries load, as the loader resolves them here.
# ldd follows the whole tree, so libraries' own dependencies (libsz, libcurl, …) come too.
ldd "$tree/bin/vizrun" "$tree"/lib/libViz*.so | awk '$2 == "=>" && $3 ~ /^\// { print $1, $3 }' | sort -u |
while read -r name path; do
    [[ $name =~ $system || -e $tree/lib/$name ]] && continue
    cp -L "$path" "$tree/lib/$name"
    chmod 644 "$tree/lib/$name"
    echo "$path" >>"$tree/licenses/.bundled"
done

"$PATCHELF" --set-rpath '$ORIGIN/../lib' "$tree/bin/vizrun"
for lib in "$tree"/lib/*.so*; do "$PATCHELF" --set-rpath '$ORIGIN' "$lib"; done
# Now everything but the system's must come from the tree.
outside=$(ldd "$tree/bin/vizrun" "$tree"/lib/*.so* | awk '$2 == "=>" { print $1, $3 }' | sort -u |
    while read -r name path; do
        [[ $name =~ $system || $(realpath -m "$path") == "$(realpath "$tree/lib")"/* ]] || echo "$name ($path)"
    done)
[[ -z $outside ]] || { echo "assemble: loaded from outside the tree: $outside" >&2; exit 1; }

# Licences: the Debian package of each bundled library brings its copyright file; the Swift
# runtime's comes from the toolchain beside the libraries it was copied from.
while read -r path; do
    if [[ $path == */lib/swift/linux/* ]]; then
        cp "${path%/lib/swift/linux/*}/share/swift/LICENSE.txt" "$tree/licenses/swift-runtime.LICENSE.txt"
        continue
    fi
    real=$(readlink -f "$path")
    package=$(dpkg -S "$real" 2>/dev/null || dpkg -S "/lib/${real#/usr/lib/}" 2>/dev/null || true)
    package=${package%%:*}
    [[ -n $package ]] || { echo "assemble: no Debian package owns $real" >&2; exit 1; }
    cp "/usr/share/doc/$package/copyright" "$tree/licenses/$package.copyright"
done <"$tree/licenses/.bundled"
rm "$tree/licenses/.bundled"
# The Swift packages linked into the command (and Yams's module in the SDK).
for package in "$checkouts"/*/; do
    cp "$package"/LICENSE* "$tree/licenses/$(basename "$package").LICENSE"
done
if compgen -G "$repo/LICENSE*" >/dev/null; then
    cp "$repo"/LICENSE* "$tree/licenses/"
else
    echo "assemble: warning: the repository has no LICENSE file; vizrun's own licence is not included" >&2
fi

"$tree/bin/vizrun" --version >"$tree/VERSION"
cp "$here/bundle-README.md" "$tree/README.md"
echo "assembled $tree: vizrun $(cat "$tree/VERSION"), $(ls "$tree/lib" | wc -l) libraries, $(du -sh "$tree" | cut -f1)"
