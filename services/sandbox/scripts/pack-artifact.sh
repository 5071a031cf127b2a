#!/bin/sh
# Packs the release tarball: dist/iron-sandbox-<version>-linux-<arch>.tar.gz with the
# launcher, the TypeScript wrapper (dist/), the node bootstrap and the README, plus its
# SHA-256 in <tarball>.sha256 (sha256sum format). Run after `npm run build`.
# IRON_ARTIFACT_OUT puts the two files elsewhere.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
for built in iron-sandbox dist/index.js; do
  [ -e "$built" ] || { echo "pack-artifact.sh: $built is missing: run npm run build -w services/sandbox first" >&2; exit 1; }
done
version=$(sed -n 's/^  "version": "\(.*\)",$/\1/p' package.json)
name="iron-sandbox-$version-linux-$(uname -m)"
out=${IRON_ARTIFACT_OUT:-$here/dist}
mkdir -p "$out"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/$name/node" "$stage/$name/dist"
cp iron-sandbox package.json README.md "$stage/$name/"
cp node/bootstrap.sh "$stage/$name/node/"
# the wrapper only: not earlier tarballs that live in dist/ too
find dist -maxdepth 1 -type f \( -name '*.js' -o -name '*.d.ts' -o -name '*.js.map' \) -exec cp {} "$stage/$name/dist/" \;
# Same inputs, same bytes: fixed owners, order and times, no gzip timestamp.
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@${SOURCE_DATE_EPOCH:-0}" -C "$stage" -cf - "$name" | gzip -n -9 > "$out/$name.tar.gz"
(cd "$out" && sha256sum "$name.tar.gz" > "$name.tar.gz.sha256")
echo "$out/$name.tar.gz"
