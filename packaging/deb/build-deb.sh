#!/usr/bin/env bash
# Builds qbi-runner_<version>_<arch>.deb and qbi-sim_<version>_<arch>.deb from an already built
# tree (make deb builds the two programs and the pages first; nothing is compiled here).
# The packages follow Debian 12: binaries in /usr/bin (stripped), units in /lib/systemd/system
# pointing at /usr/bin, /etc/qbi-runner/runner.ini a conffile, examples in /usr/share/qbi-runner
# (linked from /usr/share/doc/qbi-runner/examples), man pages and changelog gzip -9n, Depends from
# dpkg-shlibdeps. Owner root:root (dpkg-deb --root-owner-group): no fakeroot needed.
# Usage: build-deb.sh BUILD_DIR OUT_DIR
set -euo pipefail
build=$(realpath "$1")
mkdir -p "$2"
out=$(realpath "$2")
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
umask 022
for f in bin/qbi-runner bin/qbi-sim man/qbi-runner.1 man/qbi-runner-jobs.5 man/qbi-sim.1 \
  completion/qbi-runner; do
  [ -s "$build/$f" ] || {
    echo "build-deb: $build/$f is missing (make deb builds it)" >&2
    exit 1
  }
done
upstream=$("$build/bin/qbi-runner" version | awk '{print $2}')
version="$upstream-1"
arch=$(dpkg --print-architecture)
maintainer="qbi-runner maintainers <maintainers@users.noreply.r-seed-79b31639.example>"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Depends of the binaries, from the shared libraries they link (dpkg-shlibdeps wants a
# debian/control beside it).
shlib_depends() {
  mkdir -p "$work/shlibs/debian"
  printf 'Source: qbi-runner\n\nPackage: qbi-runner\nArchitecture: any\n' >"$work/shlibs/debian/control"
  (cd "$work/shlibs" && dpkg-shlibdeps -O "$@" 2>/dev/null) | sed -n 's/^shlibs:Depends=//p'
}

fill() {  # fill TEMPLATE PACKAGE DEPENDS ROOT > FILE
  local size
  size=$(du -k -s --apparent-size --exclude=DEBIAN "$4" | cut -f1)
  sed -e "s|@VERSION@|$version|g" -e "s|@UPSTREAM@|$upstream|g" -e "s|@ARCH@|$arch|g" \
    -e "s|@MAINTAINER@|$maintainer|g" -e "s|@PACKAGE@|$2|g" -e "s|@DEPENDS@|$3|g" \
    -e "s|@SIZE@|$size|g" "$1"
}

doc_files() {  # doc_files PACKAGE ROOT: copyright, changelog.Debian.gz, lintian overrides
  local doc=$2/usr/share/doc/$1
  mkdir -p "$doc" "$2/usr/share/lintian/overrides"
  # The package is built from the project's tree, not uploaded to Debian: no bug to close.
  printf '%s\n' "# Not a Debian upload: the changelog closes no Debian bug." \
    "$1: initial-upload-closes-no-bugs" >"$2/usr/share/lintian/overrides/$1"
  fill "$here/copyright" "$1" "" "$2" >"$doc/copyright"
  fill "$here/changelog" "$1" "" "$2" | gzip -9n >"$doc/changelog.Debian.gz"
}

binary() {  # binary NAME ROOT
  install -D -m 0755 "$build/bin/$1" "$2/usr/bin/$1"
  strip --strip-unneeded --remove-section=.comment --remove-section=.note "$2/usr/bin/$1"
}

man_page() {  # man_page FILE SECTION ROOT
  mkdir -p "$3/usr/share/man/man$2"
  gzip -9n <"$build/man/$1" >"$3/usr/share/man/man$2/$1.gz"
}

finish() {  # finish PACKAGE ROOT DEPENDS
  local root=$2
  mkdir -p "$root/DEBIAN"
  fill "$here/control.$1" "$1" "$3" "$root" >"$root/DEBIAN/control"
  (cd "$root" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | LC_ALL=C sort -z |
    xargs -0 md5sum) >"$root/DEBIAN/md5sums"
  chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/md5sums"
  find "$root" -type d -exec chmod 0755 {} +
  dpkg-deb --root-owner-group -Zxz --build "$root" "$out/${1}_${version}_${arch}.deb" >/dev/null
  echo "$out/${1}_${version}_${arch}.deb"
}

# qbi-runner
r=$work/qbi-runner
binary qbi-runner "$r"
install -D -m 0644 "$src/config/runner.ini" "$r/etc/qbi-runner/runner.ini"
mkdir -p "$r/lib/systemd/system"
cmake -DSOURCE_DIR="$src" -DOUTPUT_DIR="$r/lib/systemd/system" -DBINDIR=/usr/bin \
  -DDOCDIR=/usr/share/doc/qbi-runner -P "$src/cmake/SystemdUnits.cmake"
chmod 0644 "$r"/lib/systemd/system/*
mkdir -p "$r/usr/share/qbi-runner/examples"
install -m 0644 "$src"/jobs/examples/*.yaml "$r/usr/share/qbi-runner/examples/"
doc_files qbi-runner "$r"
ln -s ../../qbi-runner/examples "$r/usr/share/doc/qbi-runner/examples"
install -m 0644 "$src/README.md" "$r/usr/share/doc/qbi-runner/README.md"
man_page qbi-runner.1 1 "$r"
man_page qbi-runner-jobs.5 5 "$r"
install -D -m 0644 "$build/completion/qbi-runner" \
  "$r/usr/share/bash-completion/completions/qbi-runner"
mkdir -p "$r/DEBIAN"
echo /etc/qbi-runner/runner.ini >"$r/DEBIAN/conffiles"
chmod 0644 "$r/DEBIAN/conffiles"
install -m 0755 "$here/postinst" "$here/prerm" "$here/postrm" "$r/DEBIAN/"
finish qbi-runner "$r" "$(shlib_depends "$r/usr/bin/qbi-runner"), init-system-helpers (>= 1.52)"

# qbi-sim
s=$work/qbi-sim
binary qbi-sim "$s"
man_page qbi-sim.1 1 "$s"
doc_files qbi-sim "$s"
finish qbi-sim "$s" "$(shlib_depends "$s/usr/bin/qbi-sim")"
