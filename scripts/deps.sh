#!/bin/bash
# Install the Debian packages the build, the tests and the benchmark need.
# Idempotent: apt is only touched when something is missing.
set -euo pipefail

packages=(
  gcc make pkg-config        # build
  libjansson-dev             # config.json / state.json
  libseccomp-dev             # seccomp filters
  libcriterion-dev           # unit and integration tests
  valgrind                   # make valgrind
  busybox-static             # the rootfs fixture
  runc crun                  # reference runtimes (bench, conformance)
  uidmap                     # newuidmap/newgidmap for rootless user namespaces
  libxml2-utils              # xmllint for the reports
  strace
  perl                       # prove
  clang-format               # make format
  iproute2 util-linux        # ip, unshare, nsenter in tests and the bench
)

missing=()
for pkg in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  if [ "$status" != "install ok installed" ]; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "deps: missing ${missing[*]}; installing them needs root (run: sudo $0)" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
echo "deps: installed ${missing[*]}"
