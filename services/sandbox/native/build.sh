#!/bin/sh
# Builds the launcher: services/sandbox/iron-sandbox. Needs gcc (or $CC) and libseccomp's
# headers (Debian/Ubuntu: libseccomp-dev; Amazon Linux/RHEL: libseccomp-devel). No downloads.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=$(cd "$here/.." && pwd)/iron-sandbox
cc=${CC:-gcc}
if ! printf '#include <seccomp.h>\n' | "$cc" -E -x c - >/dev/null 2>&1; then
  echo "build.sh: seccomp.h not found: install libseccomp-dev (apt) or libseccomp-devel (dnf)" >&2
  exit 1
fi
# shellcheck disable=SC2086
"$cc" -std=gnu11 -O2 -g -Wall -Wextra -Wno-unused-parameter -D_GNU_SOURCE -D_FORTIFY_SOURCE=2 \
  -fstack-protector-strong -fPIE -pie -Wl,-z,relro,-z,now ${CFLAGS:-} \
  -o "$out.tmp" "$here"/*.c -lseccomp
mv "$out.tmp" "$out"
echo "built $out"
