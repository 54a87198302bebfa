#!/usr/bin/env bash
# Builds the Debian packages feedback-terminal and feedback-hq (the packaging
# is in platform/debian/, how to use them in platform/debian/README.md) from
# the work tree (or a commit) and leaves the .deb files in build/packages/.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
usage() {
    cat <<EOF
usage: bash platform/package.sh [--version VERSION] [--commit REF] [--output DIR] [--jobs N]
                               [--debug-symbols] [--fresh]

Builds feedback-terminal_VERSION_ARCH.deb and feedback-hq_VERSION_ARCH.deb
with dpkg-buildpackage from the source as it is in the work tree (the files
git tracks or would track, with their changes; the whole tree but build/
when there is no git) or in a commit (--commit), tests off, Debian's release
flags. Earlier feedback-* packages in the output folder are removed first, so
./feedback-terminal_*.deb names one file. The CMake build is kept in
build/packages/work/cmake, so a second run rebuilds only what changed.

options:
  --version VERSION   the packages' version (default: platform/debian/changelog's,
                      which must be the project() version in CMakeLists.txt);
                      e.g. 0.1.1 to make an update
  --commit REF        build what commit REF holds (a release tag, HEAD), not the work tree
  --output DIR        where the packages go (default: build/packages)
  --jobs N            compile jobs (default: nproc, $(nproc) here)
  --debug-symbols     compile with -g and also make the -dbgsym packages (for
                      reading core dumps; slower: without, nothing has -g)
  --fresh             start the CMake build afresh
  --help              show this text

Needs platform/install-deps.sh's packages (debhelper, dpkg-dev, help2man, ...).
Exit status: 0 when both packages were built, 1 otherwise (with the reason).
EOF
}

fail() {
    echo "package.sh: $*" >&2
    exit 1
}

# [SECTION] Options
version=""
output="$root/build/packages"
jobs=$(nproc)
fresh=no
debug_symbols=no
commit=""
while [ $# -gt 0 ]; do
    case "$1" in
    --help | -h) usage; exit 0 ;;
    --version) [ $# -ge 2 ] || fail "--version needs a value"; version=$2; shift 2 ;;
    --commit) [ $# -ge 2 ] || fail "--commit needs a commit"; commit=$2; shift 2 ;;
    --output) [ $# -ge 2 ] || fail "--output needs a folder"; output=$2; shift 2 ;;
    --jobs) [ $# -ge 2 ] || fail "--jobs needs a number"; jobs=$2; shift 2 ;;
    --debug-symbols) debug_symbols=yes; shift ;;
    --fresh) fresh=yes; shift ;;
    *) fail "unknown option $1 (see --help)" ;;
    esac
done
# A native package's version: no hyphen (no Debian revision), starts with a digit.
if [ -n "$version" ] && ! [[ "$version" =~ ^[0-9][A-Za-z0-9.+~]*$ ]]; then
    fail "--version $version is not a version such as 0.1.1 (digits, letters, . + ~; no -)"
fi
[[ "$jobs" =~ ^[1-9][0-9]*$ ]] || fail "--jobs $jobs is not a positive number"
for tool in dpkg-buildpackage dh help2man cmake ninja; do
    command -v "$tool" >/dev/null || fail "$tool is missing: run bash platform/install-deps.sh (as root) first"
done
mkdir -p "$output" || fail "cannot make the output folder $output"
output=$(cd "$output" && pwd)

# [SECTION] One package build at a time in the work folder
work="$root/build/packages/work"
mkdir -p "$work"
exec 9>"$work/lock"
if ! flock -n 9; then
    echo "package.sh: waiting for another package.sh to finish" >&2
    flock 9
fi

# [SECTION] The source: a commit, or the work tree as git sees it (tracked and new files, not ignored ones)
source="$work/source"
rm -rf "$source" "$work"/*.deb "$work"/*.buildinfo "$work"/*.changes
mkdir -p "$source"
if [ -n "$commit" ]; then
    sha=$(git -C "$root" rev-parse --verify --quiet "$commit^{commit}") || fail "--commit $commit: no such commit"
    git -C "$root" archive "$sha" | tar -C "$source" -xf - || fail "could not take the source from commit $sha"
    origin="commit $sha"
else
    if [ -d "$root/.git" ] && command -v git >/dev/null; then
        # --cached also lists files deleted in the work tree: those are left out.
        git -C "$root" ls-files -z --cached --others --exclude-standard |
            while IFS= read -r -d '' file; do
                if [ -e "$root/$file" ] || [ -L "$root/$file" ]; then printf '%s\0' "$file"; fi
            done >"$work/files"
    else
        (cd "$root" && find . -path ./build -prune -o -path ./.git -prune -o \( -type f -o -type l \) -print0) >"$work/files"
    fi
    [ -s "$work/files" ] || fail "found no source files in $root"
    # tar keeps the files' times, so the kept CMake build rebuilds only what changed.
    tar -C "$root" --null --files-from="$work/files" -cf - | tar -C "$source" -xpf - ||
        fail "could not copy the source to $source"
    origin="work tree"
fi
[ -d "$source/platform/debian" ] || fail "the source ($origin) has no platform/debian/ to build with"
cp -a "$source/platform/debian" "$source/debian"

# [SECTION] The version
project_version=$(sed -n 's/^project([a-z_]* VERSION \([0-9.]*\).*/\1/p' "$source/CMakeLists.txt")
changelog_version=$(cd "$source" && dpkg-parsechangelog -S Version)
if [ -z "$version" ]; then
    [ "$changelog_version" = "$project_version" ] ||
        fail "platform/debian/changelog's version is $changelog_version but CMakeLists.txt's project() is" \
            "$project_version: add a changelog entry for $project_version (or give --version)"
    version=$changelog_version
elif [ "$version" != "$changelog_version" ]; then
    dpkg --compare-versions "$version" gt "$changelog_version" ||
        fail "--version $version is not above the changelog's $changelog_version"
    maintainer=$(sed -n 's/^Maintainer: //p' "$source/debian/control")
    earlier=$(cat "$source/debian/changelog")
    {
        echo "feedback-terminal ($version) bookworm; urgency=medium"
        echo
        echo "  * Built by platform/package.sh --version $version."
        echo
        echo " -- $maintainer  $(date -R)"
        echo
        echo "$earlier"
    } >"$source/debian/changelog"
fi

# [SECTION] Build
build_options="parallel=$jobs"
if [ "$debug_symbols" = no ]; then
    # Debian's flags less -g, and so no -dbgsym packages: a much faster build.
    export DEB_CFLAGS_STRIP=-g DEB_CXXFLAGS_STRIP=-g
    build_options="$build_options noddebs"
fi
# The kept build goes when asked, when the source came from elsewhere (files
# taken from a commit carry the commit's time, older than the objects), and
# when the flags change (CMake reads them only when it makes the build).
kind="$origin, debug symbols: $debug_symbols"
if [ "$fresh" = yes ] || [ "$(cat "$work/cmake/feedback-source" 2>/dev/null)" != "$kind" ]; then
    rm -rf "$work/cmake"
fi
mkdir -p "$work/cmake"
echo "$kind" >"$work/cmake/feedback-source"
if command -v ccache >/dev/null; then
    # Paths relative to the work folder, so that another checkout's build hits
    # too; the cache named now, as debhelper gives the build a HOME of its own.
    export CMAKE_CXX_COMPILER_LAUNCHER=ccache CMAKE_C_COMPILER_LAUNCHER=ccache
    export CCACHE_BASEDIR="$work" CCACHE_NOHASHDIR=true
    CCACHE_DIR=$(ccache --get-config cache_dir) && export CCACHE_DIR
fi
echo "package.sh: building feedback-terminal and feedback-hq $version from the $origin with $jobs jobs in $source"
# -nc: no clean first (the source is fresh; the CMake build is kept outside it).
if ! (cd "$source" &&
    FEEDBACK_PACKAGE_BUILDDIR="$work/cmake" \
        DEB_BUILD_OPTIONS="$build_options ${DEB_BUILD_OPTIONS:-}" \
        dpkg-buildpackage -b -us -uc -nc); then
    fail "dpkg-buildpackage failed (its output is above; the source is in $source)"
fi

# [SECTION] The packages into the output folder
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
for package in feedback-terminal feedback-hq; do
    [ -f "$work/${package}_${version}_${arch}.deb" ] || fail "dpkg-buildpackage made no ${package}_${version}_${arch}.deb"
done
rm -f "$output"/feedback-terminal_*.deb "$output"/feedback-hq_*.deb "$output"/feedback-*-dbgsym_*.deb \
    "$output"/feedback-terminal_*.buildinfo "$output"/feedback-terminal_*.changes
for file in "$work"/*_"$version"_*.deb "$work"/*_"$version"_*.buildinfo "$work"/*_"$version"_*.changes; do
    if [ -f "$file" ]; then mv "$file" "$output"/ || fail "could not move $file to $output"; fi
done
echo "package.sh: made in $output:"
(cd "$output" && ls -1 feedback-terminal_"$version"_*.deb feedback-hq_"$version"_*.deb)
