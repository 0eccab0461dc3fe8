#!/usr/bin/env bash
# Makes a WebGPU adapter available to Dawn (the npm `webgpu` package) on a CPU-only Debian 12 machine.
#
# Dawn's prebuilt addon needs GLIBC_2.38 and GLIBCXX_3.4.32; Debian 12 ships glibc 2.36 and GCC 12's libstdc++.
# Rather than upgrading the system C library (which would touch every program on the machine), we unpack
# Debian 13's libc6, libstdc++6 and libgcc-s1 into a private prefix and start only the processes that load Dawn
# through that prefix's dynamic loader (see ./node). Mesa's software Vulkan driver (lavapipe) comes from the
# machine's own Debian release: it is an ordinary package and works under the newer C library.
#
# Idempotent; prints one line saying what it found or did. Exit 0 even when it cannot install (tests then
# report "skipped: no WebGPU adapter"), unless FLOW_WEBGPU_REQUIRED=1.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
prefix=${FLOW_WEBGPU_PREFIX:-$root/.cache/webgpu-runtime}
suite=${FLOW_WEBGPU_SUITE:-trixie}
mirror=${FLOW_WEBGPU_MIRROR:-http://deb.debian.org/debian}

fail() {
  echo "[webgpu-runtime] not installed: $*" >&2
  [ "${FLOW_WEBGPU_REQUIRED:-0}" = 1 ] && exit 1
  exit 0
}

have_native() {
  # glibc >= 2.38 and a libstdc++ that exports GLIBCXX_3.4.32: Dawn loads without a private prefix.
  local v
  v=$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{print $2}')
  [ -n "$v" ] || return 1
  [ "$(printf '%s\n2.38\n' "$v" | sort -V | head -1)" = 2.38 ] || return 1
  local so
  so=$(ldconfig -p 2>/dev/null | awk '/libstdc\+\+\.so\.6 .*x86-64/ {print $NF; exit}')
  [ -n "$so" ] && grep -qa GLIBCXX_3.4.32 "$so"
}

have_vulkan_driver() {
  ls /usr/share/vulkan/icd.d/*.json /etc/vulkan/icd.d/*.json >/dev/null 2>&1
}

ensure_lavapipe() {
  # A machine with a GPU driver needs no software one; a CPU-only machine gets Mesa's lavapipe.
  have_vulkan_driver && return 0
  command -v apt-get >/dev/null || return 1
  [ "$(id -u)" = 0 ] || return 1
  echo "[webgpu-runtime] installing mesa-vulkan-drivers (software Vulkan) from the machine's Debian release" >&2
  (DEBIAN_FRONTEND=noninteractive apt-get install -y -q mesa-vulkan-drivers >/dev/null 2>&1 ||
    { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q mesa-vulkan-drivers >/dev/null 2>&1; })
}

[ "$(uname -m)" = x86_64 ] || fail "only x86_64 Linux is supported (Dawn's linux-x64 build)"
ensure_lavapipe || fail "no software Vulkan driver (install mesa-vulkan-drivers as root)"

if have_native; then
  mkdir -p "$prefix" && echo native > "$prefix/mode"
  echo "[webgpu-runtime] system C library is new enough; Dawn loads directly"
  exit 0
fi

if [ -x "$prefix/lib/ld-linux-x86-64.so.2" ] && [ "$(cat "$prefix/mode" 2>/dev/null)" = prefix ]; then
  echo "[webgpu-runtime] private prefix present: $prefix"
  exit 0
fi

command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || fail "apt-get and dpkg-deb are needed"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/debs" "$work/root"
echo "deb $mirror $suite main" > "$work/sources.list"
apt_opts=(-o Dir::Etc::SourceList="$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o Dir::State::Lists="$work/lists" -o Dir::Cache="$work/cache" -o Dir::State::status=/dev/null
  -o APT::Sandbox::User=root -q)
apt-get "${apt_opts[@]}" update >/dev/null 2>&1 || fail "could not read Debian $suite's package list from $mirror"
(cd "$work/debs" && apt-get "${apt_opts[@]}" download libc6 libstdc++6 libgcc-s1 >/dev/null 2>&1) ||
  fail "could not download libc6, libstdc++6, libgcc-s1 from Debian $suite"
for d in "$work"/debs/*.deb; do dpkg-deb -x "$d" "$work/root" || fail "could not unpack $d"; done

# Build the prefix beside the final path, then move it into place: never a half-made prefix.
staging="$prefix.tmp-$$"
rm -rf "$staging" && mkdir -p "$staging/lib"
cp -a "$work/root/usr/lib/x86_64-linux-gnu/." "$staging/lib/" || fail "unexpected layout in Debian $suite's packages"
[ -x "$staging/lib/ld-linux-x86-64.so.2" ] || fail "no dynamic loader in Debian $suite's libc6"
(cd "$work/debs" && ls *.deb) > "$staging/packages.txt"
echo prefix > "$staging/mode"
rm -rf "$prefix" && mkdir -p "$(dirname "$prefix")" && mv "$staging" "$prefix"
echo "[webgpu-runtime] installed Debian $suite's C and C++ runtime into $prefix"
