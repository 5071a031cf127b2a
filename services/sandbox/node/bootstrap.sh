#!/bin/sh
# Iron Cage sandbox: node bootstrap.
#
# Proves a Linux node can carry the sandbox and installs it: detects the distro
# (apt on Debian/Ubuntu, dnf on Amazon Linux 2023/RHEL/Fedora), checks kernel >= 5.13
# with Landlock enabled, installs libseccomp >= 2.5, installs the sandbox artifact
# (checksum verified), runs `iron-sandbox --probe` and a self-test, writes a JSON status
# file, and exits non-zero with a message naming what the node lacks.
#
# Used as cloud-init user-data (AWS) and as an init step (docker, kubernetes).
#
# Usage: bootstrap.sh [--check-only | --verify]
#   --check-only   decide only (kernel, Landlock, distro); install nothing
#   --verify       decide, then probe and self-test the launcher already installed
#                  (iron-sandbox on PATH or in the prefix); install nothing. Containers use this.
#
# Environment:
#   IRON_SANDBOX_ARTIFACT         path or http(s) URL of iron-sandbox-<version>-linux-<arch>.tar.gz.
#                                 Unset on EC2: read from the instance tag IronSandboxArtifact (IMDSv2)
#   IRON_SANDBOX_ARTIFACT_SHA256  its SHA-256 (default: the instance tag IronSandboxArtifactSha256 when
#                                 the URL came from the tags, else read from "$IRON_SANDBOX_ARTIFACT.sha256")
#   IRON_SANDBOX_IMDS             instance metadata endpoint (default http://169.254.169.254)
#   IRON_SANDBOX_PREFIX           install directory (default /opt/iron-sandbox)
#   IRON_SANDBOX_BINDIR           where the iron-sandbox link goes (default /usr/local/bin)
#   IRON_BOOTSTRAP_STATUS         status file (default /var/lib/iron-sandbox/status.json)
# For tests only, honoured when IRON_BOOTSTRAP_TEST=1 (injected facts instead of this machine's):
#   IRON_BOOTSTRAP_KERNEL         kernel release, as `uname -r` would print it
#   IRON_BOOTSTRAP_LSM            the LSM list, as /sys/kernel/security/lsm would read
#
# Exit status: 0 ready, 1 the node lacks something (named on stderr and in the status file), 2 usage.
set -u

STATUS_FILE=${IRON_BOOTSTRAP_STATUS:-/var/lib/iron-sandbox/status.json}
PREFIX=${IRON_SANDBOX_PREFIX:-/opt/iron-sandbox}
BINDIR=${IRON_SANDBOX_BINDIR:-/usr/local/bin}
ARTIFACT=${IRON_SANDBOX_ARTIFACT:-}
MIN_KERNEL_MAJOR=5
MIN_KERNEL_MINOR=13
MIN_LIBSECCOMP="2.5"

check_only=no
verify_only=no
case "${1:-}" in
  "") ;;
  --check-only) check_only=yes ;;
  --verify) verify_only=yes ;;
  -h|--help) sed -n '2,/^set -u/p' "$0" | sed 's/^# \{0,1\}//;/^set -u/d'; exit 0 ;;
  *) echo "bootstrap.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
esac

lacks=""      # newline-separated list of what the node lacks
kernel="" lsm="" distro="" pkg="" libseccomp="" landlock_abi="" probe_json="null" installed=""

log() { printf 'iron-sandbox bootstrap: %s\n' "$*" >&2; }
lack() { log "MISSING: $*"; lacks="${lacks}${lacks:+
}$*"; }

json_string() { # prints $1 as a JSON string
  printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g' | tr '\n\t' '  ')"
}

json_or_null() { if [ -n "$1" ]; then json_string "$1"; else printf 'null'; fi; }

write_status() { # $1: ok | failed | checked
  mkdir -p "$(dirname "$STATUS_FILE")" || return
  {
    printf '{"status":%s,"lacks":[' "$(json_string "$1")"
    first=yes
    printf '%s\n' "$lacks" | while IFS= read -r item; do
      [ -n "$item" ] || continue
      [ "$first" = yes ] || printf ','
      first=no
      json_string "$item"
    done
    printf '],"kernel":%s,"lsm":%s,"distro":%s,"package_manager":%s,' \
      "$(json_or_null "$kernel")" "$(json_or_null "$lsm")" "$(json_or_null "$distro")" "$(json_or_null "$pkg")"
    printf '"libseccomp":%s,"landlock_abi":%s,"installed":%s,"probe":%s,"checked_at":%s}\n' \
      "$(json_or_null "$libseccomp")" "${landlock_abi:-null}" "$(json_or_null "$installed")" "$probe_json" \
      "$(json_string "$(date -u +%Y-%m-%dT%H:%M:%SZ)")"
  } > "$STATUS_FILE.tmp" && mv "$STATUS_FILE.tmp" "$STATUS_FILE"
}

finish() {
  if [ -n "$lacks" ]; then
    write_status failed
    log "this node cannot run the sandbox; it lacks: $(printf '%s\n' "$lacks" | awk 'NR > 1 { printf "; " } { printf "%s", $0 }')"
    log "status written to $STATUS_FILE"
    exit 1
  fi
  write_status "$1"
  log "$2 (status: $STATUS_FILE)"
  exit 0
}

# version_at_least A B: true when dotted version A >= B (numeric parts, first two compared)
version_at_least() {
  a_major=$(printf '%s' "$1" | sed -n 's/^\([0-9][0-9]*\).*/\1/p')
  a_minor=$(printf '%s' "$1" | sed -n 's/^[0-9][0-9]*\.\([0-9][0-9]*\).*/\1/p')
  b_major=${2%%.*}
  b_minor=${2#*.}
  [ -n "$a_major" ] || return 1
  [ "$a_major" -gt "$b_major" ] || { [ "$a_major" -eq "$b_major" ] && [ "${a_minor:-0}" -ge "$b_minor" ]; }
}

# --- facts (injectable for tests) ----------------------------------------------
testing=no
[ "${IRON_BOOTSTRAP_TEST:-}" = 1 ] && testing=yes
for var in IRON_BOOTSTRAP_KERNEL IRON_BOOTSTRAP_LSM; do
  eval "value=\${$var:-}"
  # shellcheck disable=SC2154
  if [ -n "$value" ] && [ "$testing" = no ]; then log "ignoring $var: injected facts are honoured only with IRON_BOOTSTRAP_TEST=1"; fi
done
if [ "$testing" = yes ] && [ -n "${IRON_BOOTSTRAP_KERNEL:-}" ]; then kernel=$IRON_BOOTSTRAP_KERNEL; else kernel=$(uname -r); fi
if [ "$testing" = yes ] && [ -n "${IRON_BOOTSTRAP_LSM:-}" ]; then
  lsm=$IRON_BOOTSTRAP_LSM
elif [ -r /sys/kernel/security/lsm ]; then
  lsm=$(cat /sys/kernel/security/lsm)
fi

# --- decide: kernel, Landlock, distro --------------------------------------------
decide() {
  if [ "$(uname -s)" != Linux ]; then lack "Linux (this is $(uname -s))"; fi
  if ! version_at_least "$kernel" "$MIN_KERNEL_MAJOR.$MIN_KERNEL_MINOR"; then
    lack "kernel >= $MIN_KERNEL_MAJOR.$MIN_KERNEL_MINOR for Landlock (found $kernel)"
  fi
  if [ -n "$lsm" ]; then
    case ",$lsm," in
      *,landlock,*) ;;
      *) lack "Landlock enabled in the kernel's LSM list (found: $lsm; boot with lsm=landlock,$lsm)" ;;
    esac
  else
    log "the LSM list is unreadable (securityfs not mounted); the launcher's probe will tell whether Landlock is on"
  fi
  if [ -r /etc/os-release ]; then
    # shellcheck source=/dev/null
    distro=$(. /etc/os-release && printf '%s %s' "${ID:-unknown}" "${VERSION_ID:-}")
    # shellcheck source=/dev/null
    family=$(. /etc/os-release && printf '%s %s' "${ID:-}" "${ID_LIKE:-}")
  else
    distro="unknown"
    family=""
  fi
  case " $family " in
    *" debian "*|*" ubuntu "*) pkg=apt ;;
    *" amzn "*|*" rhel "*|*" fedora "*|*" centos "*) pkg=dnf ;;
    *) lack "a supported distribution (Debian/Ubuntu with apt, Amazon Linux 2023/RHEL with dnf; found $distro)" ;;
  esac
}

# --- install packages -----------------------------------------------------------------
package_install() { # package names, the same on apt and dnf for what we install
  case $pkg in
    apt) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2 ;;
    dnf) if command -v dnf >/dev/null 2>&1; then dnf install -y -q "$@" >&2; else yum install -y -q "$@" >&2; fi ;;
  esac
}

install_libseccomp() {
  case $pkg in
    apt)
      log "installing libseccomp2 with apt-get"
      if DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 && package_install libseccomp2; then
        libseccomp=$(dpkg-query -W -f='${Version}' libseccomp2 2>/dev/null)
      else
        lack "libseccomp >= $MIN_LIBSECCOMP (apt-get install libseccomp2 failed)"
      fi
      ;;
    dnf)
      log "installing libseccomp with dnf"
      if package_install libseccomp; then
        libseccomp=$(rpm -q --qf '%{VERSION}' libseccomp 2>/dev/null)
      else
        lack "libseccomp >= $MIN_LIBSECCOMP (dnf install libseccomp failed)"
      fi
      ;;
  esac
  if [ -n "$libseccomp" ] && ! version_at_least "$libseccomp" "$MIN_LIBSECCOMP"; then
    lack "libseccomp >= $MIN_LIBSECCOMP (the distribution offers $libseccomp)"
  fi
}

# --- install the artifact ------------------------------------------------------------
# curl (or wget) for URLs; installed when neither is there (minimal images have none).
ensure_downloader() {
  command -v curl >/dev/null 2>&1 || command -v wget >/dev/null 2>&1 && return 0
  log "installing curl to download the artifact"
  package_install curl ca-certificates
}

fetch() { # $1 source (path or URL), $2 destination
  case $1 in
    http://*|https://*)
      ensure_downloader || return 1
      if command -v curl >/dev/null 2>&1; then curl -fsSL --retry 3 -o "$2" "$1"
      else wget -q -O "$2" "$1"; fi ;;
    *) cp "$1" "$2" ;;
  esac
}

# On EC2 the deployment puts the artifact's URL and SHA-256 in instance tags (IMDSv2, tags enabled).
artifact_from_instance_tags() {
  imds=${IRON_SANDBOX_IMDS:-http://169.254.169.254}
  ensure_downloader && command -v curl >/dev/null 2>&1 || return 1
  token=$(curl -fsS --connect-timeout 2 --max-time 5 -X PUT -H "X-aws-ec2-metadata-token-ttl-seconds: 300" "$imds/latest/api/token") || return 1
  tag() { curl -fsS --max-time 5 -H "X-aws-ec2-metadata-token: $token" "$imds/latest/meta-data/tags/instance/$1"; }
  url=$(tag IronSandboxArtifact) && [ -n "$url" ] || return 1
  ARTIFACT=$url
  if [ -z "${IRON_SANDBOX_ARTIFACT_SHA256:-}" ]; then IRON_SANDBOX_ARTIFACT_SHA256=$(tag IronSandboxArtifactSha256) || true; fi
  log "artifact from instance tags: $ARTIFACT"
}

install_artifact() {
  installed="$PREFIX/iron-sandbox"
  if [ -z "$ARTIFACT" ] && ! artifact_from_instance_tags; then
    if [ -x "$installed" ]; then
      log "no artifact given; checking the sandbox already installed in $PREFIX"
      return
    fi
    lack "the sandbox artifact (set IRON_SANDBOX_ARTIFACT to the tarball's path or URL, or on EC2 the instance tag IronSandboxArtifact)"
    return
  fi
  work=$(mktemp -d) || { lack "a writable temp dir"; return; }
  trap 'rm -rf "$work"' EXIT
  if ! fetch "$ARTIFACT" "$work/artifact.tar.gz"; then lack "the sandbox artifact (cannot fetch $ARTIFACT)"; return; fi
  expected=${IRON_SANDBOX_ARTIFACT_SHA256:-}
  if [ -z "$expected" ] && fetch "$ARTIFACT.sha256" "$work/artifact.sha256" 2>/dev/null; then
    expected=$(cut -d' ' -f1 < "$work/artifact.sha256")
  fi
  if [ -z "$expected" ]; then
    lack "the artifact's checksum (set IRON_SANDBOX_ARTIFACT_SHA256 or publish $ARTIFACT.sha256)"
    return
  fi
  actual=$(sha256sum "$work/artifact.tar.gz" | cut -d' ' -f1)
  if [ "$expected" != "$actual" ]; then lack "an intact artifact (SHA-256 $actual, expected $expected)"; return; fi
  if ! { mkdir -p "$PREFIX" && tar -xzf "$work/artifact.tar.gz" -C "$PREFIX" --strip-components=1 --no-same-owner; }; then
    lack "a writable $PREFIX to unpack the artifact into"
    return
  fi
  mkdir -p "$BINDIR" && ln -sf "$installed" "$BINDIR/iron-sandbox"
  log "installed the sandbox in $PREFIX (SHA-256 $actual)"
}

# --- probe and self-test --------------------------------------------------------------
verify_launcher() {
  if ! probe_json=$("$installed" --probe 2>&1); then
    case $probe_json in
      "{"*) ;; # it printed its facts and said the node is not ok; the checks below name what is missing
      *) lack "a launcher that runs here ($installed --probe: $probe_json)"; probe_json=null; return ;;
    esac
  fi
  landlock_abi=$(printf '%s' "$probe_json" | sed -n 's/.*"landlock_abi":\([0-9][0-9]*\).*/\1/p')
  probe_libseccomp=$(printf '%s' "$probe_json" | sed -n 's/.*"libseccomp":"\([^"]*\)".*/\1/p')
  [ -n "$probe_libseccomp" ] && libseccomp=$probe_libseccomp
  if [ "${landlock_abi:-0}" -lt 1 ]; then
    lack "Landlock enabled (the kernel reports no Landlock ABI: add landlock to the lsm= boot parameter; in a container, allow the landlock_* syscalls in its seccomp profile)"
  fi
  case $probe_json in *'"seccomp":true'*) ;; *) lack "seccomp filter support in the kernel" ;; esac
  if ! version_at_least "$libseccomp" "$MIN_LIBSECCOMP"; then lack "libseccomp >= $MIN_LIBSECCOMP (the launcher loaded $libseccomp)"; fi
  [ -z "$lacks" ] || return
  if ! out=$("$installed" --quiet -- /bin/sh -c 'echo self-test' 2>&1) || [ "$out" != self-test ]; then
    lack "a working sandbox (self-test: a confined /bin/sh did not run: $out)"
  elif "$installed" --quiet -- /bin/cat /etc/passwd >/dev/null 2>&1; then
    lack "a confining sandbox (self-test: a confined program could read /etc/passwd)"
  fi
}

# --- main ----------------------------------------------------------------------------------
decide
if [ -n "$lacks" ] || [ "$check_only" = yes ]; then
  finish checked "checks passed: kernel $kernel, ${lsm:-LSM list unknown}, $distro"
fi
if [ "$verify_only" = yes ]; then
  installed=$(command -v iron-sandbox 2>/dev/null || printf '%s' "$PREFIX/iron-sandbox")
  [ -x "$installed" ] || lack "an installed iron-sandbox (not on PATH, not in $PREFIX)"
else
  [ "$(id -u)" = 0 ] || lack "root privileges to install packages (run as root)"
  [ -n "$lacks" ] || install_libseccomp
  [ -n "$lacks" ] || install_artifact
fi
[ -n "$lacks" ] || verify_launcher
finish ok "ready: kernel $kernel, Landlock ABI $landlock_abi, libseccomp $libseccomp, $distro"
