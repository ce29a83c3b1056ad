#!/bin/sh
# `cmake --install` lays out the FHS tree the packages are made of (docs/packaging.md), and
# every part of it is valid: the .desktop file (desktop-file-validate), the AppStream
# metadata (appstreamcli, no network), the icons (SVG + every PNG size, each PNG the size
# its directory says), the man pages (groff with all warnings, gzip -9n), the relay's
# service files; and every binary's --version is project(VERSION).
#   check-installed-files.sh BUILD_DIR WORK_DIR VERSION
set -eu
build=$1 work=$2 version=$3
rm -rf "$work"
mkdir -p "$work"
DESTDIR="$work/root" cmake --install "$build" --prefix /usr >"$work/install.log"
root="$work/root"
id=io.github.parley_im.Parley
fail() { echo "FAIL: $*" >&2; exit 1; }

for file in usr/bin/parley usr/bin/parley-cli usr/bin/parley-relay \
            usr/share/applications/$id.desktop usr/share/metainfo/$id.metainfo.xml \
            usr/share/icons/hicolor/scalable/apps/$id.svg \
            usr/share/man/man1/parley.1.gz usr/share/man/man1/parley-cli.1.gz \
            usr/share/man/man1/parley-relay.1.gz \
            usr/lib/systemd/system/parley-relay.service usr/lib/sysusers.d/parley-relay.conf \
            usr/lib/tmpfiles.d/parley-relay.conf \
            usr/share/doc/parley/copyright usr/share/doc/parley-relay/changelog.gz; do
    [ -f "$root/$file" ] || fail "not installed: /$file"
done
# The camera module the app loads on demand (app/camera/), in the library directory.
camera=$(find "$root/usr/lib" -path '*/parley/parley-camera.so')
[ -n "$camera" ] || fail "the camera module is not installed in /usr/lib/.../parley/"
config=$(find "$root" -path '*/etc/parley-relay/parley-relay.conf')
[ -n "$config" ] || fail "the relay's config is not installed"
for size in 16 22 24 32 48 64 128 256 512; do
    png="$root/usr/share/icons/hicolor/${size}x${size}/apps/$id.png"
    [ -f "$png" ] || fail "no ${size}x${size} icon"
    # PNG: width and height are the big-endian words at bytes 16 and 20 of the IHDR chunk.
    dimensions=$(od -An -tu1 -j16 -N8 "$png" | awk '{ print $1*16777216+$2*65536+$3*256+$4 "x" $5*16777216+$6*65536+$7*256+$8 }')
    [ "$dimensions" = "${size}x${size}" ] || fail "the ${size}x${size} icon is $dimensions"
done

desktop-file-validate "$root/usr/share/applications/$id.desktop" || fail "desktop-file-validate"
appstreamcli validate --no-net "$root/usr/share/metainfo/$id.metainfo.xml" >"$work/appstream.log" 2>&1 ||
    { cat "$work/appstream.log" >&2; fail "appstreamcli validate"; }
grep -q "<release version=\"$version\"" "$root/usr/share/metainfo/$id.metainfo.xml" ||
    fail "the AppStream release is not $version"
grep -q "^Exec=parley$" "$root/usr/share/applications/$id.desktop" || fail "Exec is not parley"

for page in parley parley-cli parley-relay; do
    gz="$root/usr/share/man/man1/$page.1.gz"
    gzip -t "$gz" || fail "$page.1.gz is not gzip"
    warnings=$(gzip -dc "$gz" | LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z 2>&1)
    [ -z "$warnings" ] || fail "groff warns about $page.1: $warnings"
    gzip -dc "$gz" | grep -q "Parley $version" || fail "$page.1 does not carry version $version"
done

# (The unit names the binary by the prefix configured, which --prefix above does not change.)
grep -q "^ExecStart=/.*/bin/parley-relay --config /.*/parley-relay/parley-relay.conf " \
    "$root/usr/lib/systemd/system/parley-relay.service" || fail "the unit's ExecStart is wrong"

# One version everywhere.
for binary in parley parley-cli parley-relay; do
    said=$(QT_QPA_PLATFORM=offscreen "$root/usr/bin/$binary" --version)
    [ "$said" = "$binary $version" ] || fail "$binary --version says '$said', not '$binary $version'"
done
if [ -x "$build/tools/loadgen/parley-loadgen" ]; then
    said=$("$build/tools/loadgen/parley-loadgen" --version)
    [ "$said" = "parley-loadgen $version" ] || fail "parley-loadgen --version says '$said'"
fi
rm -rf "$work"
echo "installed tree OK (version $version)"
