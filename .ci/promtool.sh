#!/usr/bin/env bash
# Prometheus' promtool, which the tests use to read the proxy's /stats/prometheus as Prometheus
# would. Taken from Debian's prometheus package without installing it: installing would also
# start a Prometheus server. Extracted into .ci/.promtool; .ci/run puts its bin on PATH.
set -euo pipefail
cd "$(dirname "$0")"
command -v promtool >/dev/null && { echo "promtool present: $(command -v promtool)"; exit 0; }
[ -x .promtool/usr/bin/promtool ] && { echo "promtool present: .ci/.promtool/usr/bin/promtool"; exit 0; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download -qq prometheus 2>/dev/null) || { apt-get update -qq && (cd "$work" && apt-get download -qq prometheus); }
dpkg-deb -x "$work"/prometheus_*.deb "$work/x"
mkdir -p .promtool/usr/bin
mv "$work/x/usr/bin/promtool" .promtool/usr/bin/promtool
.promtool/usr/bin/promtool --version 2>&1 | head -1
