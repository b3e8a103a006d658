#!/usr/bin/env bash
# repack-version.sh PACKAGE.deb NEW_VERSION OUT.deb
#
# The package again as NEW_VERSION, stamped as `build-linux.sh --version` stamps a build (the control
# file and the bundled metadata, so `anchang --version` says it): the "rebuilt newer version" that the
# smoke test and the office trial publish to the apt repository and upgrade to, without a second build.
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: repack-version.sh PACKAGE.deb NEW_VERSION OUT.deb" >&2; exit 2; }
deb=$1 version=$2 out=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dpkg-deb -R "$deb" "$work/root"
sed -i "s/^Version: .*/Version: $version/" "$work/root/DEBIAN/control"
sed -i "s/^Version: .*/Version: $version/" "$work"/root/opt/anchang/_internal/anchang*.dist-info/METADATA 2>/dev/null \
    || sed -i "s/^Version: .*/Version: $version/" "$work"/root/opt/anchang/_internal/anchang*.egg-info/PKG-INFO
dpkg-deb --root-owner-group -Zzstd -z1 --build "$work/root" "$out" >/dev/null
