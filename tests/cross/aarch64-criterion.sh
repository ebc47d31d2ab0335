#!/usr/bin/env bash
# Usage: tests/cross/aarch64-criterion.sh [ROOT]   (as root; ROOT defaults to /opt/aarch64-criterion)
#
# Puts the arm64 Criterion under ROOT (laid out like /), for the aarch64 cross build's
# LINREC_CROSS_ROOT. Debian cannot install libcriterion3:arm64 beside the amd64 Criterion that the
# native build uses: its libnanomsg5 is not multiarch. So the three packages that clash are
# fetched with apt-get download and unpacked, and nothing else is touched; the rest of what they
# need installs normally (the packages are listed in tests/cross/aarch64.sh).
# Needs: dpkg --add-architecture arm64 && apt-get update.
set -euo pipefail
root=${1:-/opt/aarch64-criterion}

download=$(mktemp -d)
trap 'rm -rf "$download"' EXIT
(cd "$download" && apt-get download libcriterion3:arm64 libcriterion-dev:arm64 libnanomsg5:arm64)

rm -rf "$root"
for deb in "$download"/*.deb; do
  dpkg-deb -x "$deb" "$root"
done

# Debian's criterion.pc names prefix /usr and, for static linking only, packages whose arm64 -dev
# versions cannot be installed here either (pkg-config refuses the module without them). The
# suite links Criterion dynamically: point the prefix at ROOT and drop the static-only lines.
pc=$root/usr/lib/aarch64-linux-gnu/pkgconfig/criterion.pc
sed -i -e "s|^prefix=/usr\$|prefix=$root/usr|" -e '/^Requires\.private:/d' -e '/^Libs\.private:/d' "$pc"
grep -q "^prefix=$root/usr\$" "$pc"
echo "arm64 Criterion $(sed -n 's/^Version: //p' "$pc") in $root"
