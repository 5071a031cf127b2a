#!/bin/sh
# Builds the iron-cli-py wheel offline into services/cli-py/dist/artifacts/ (plus SHA256SUMS there).
# The build runs on a temp copy of the sources, so no build/ or *.egg-info is left in the tree; the wheel is
# moved into place with a rename, so concurrent builds (e.g. two test files) never see half a file.
# PYTHON picks the interpreter (default /usr/bin/python3; it needs pip, setuptools and wheel installed).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
python=${PYTHON:-/usr/bin/python3}
out="$here/dist/artifacts"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

mkdir -p "$work/src" "$work/wheel" "$out"
tar -C "$here" --exclude=__pycache__ --exclude='*.egg-info' --exclude=build -cf - pyproject.toml README.md src | tar -C "$work/src" -xf -
# Fixed timestamps inside the wheel: the same sources give the same bytes.
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-315532800} PIP_DISABLE_PIP_VERSION_CHECK=1 \
  "$python" -m pip wheel --no-deps --no-build-isolation --no-index --quiet -w "$work/wheel" "$work/src" >&2
wheel=$(cd "$work/wheel" && ls iron_cli_py-*-py3-none-any.whl)
(cd "$work/wheel" && sha256sum "$wheel" >SHA256SUMS)
mv -f "$work/wheel/$wheel" "$out/$wheel.tmp.$$" && mv -f "$out/$wheel.tmp.$$" "$out/$wheel"
mv -f "$work/wheel/SHA256SUMS" "$out/SHA256SUMS.tmp.$$" && mv -f "$out/SHA256SUMS.tmp.$$" "$out/SHA256SUMS"
echo "iron-cli-py: wrote $out/$wheel and $out/SHA256SUMS"
