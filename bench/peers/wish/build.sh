#!/usr/bin/env bash
# Builds the wish peer offline from Debian's Go packages (bookworm: golang-go 1.19, wish
# 0.1.1, Bubble Tea 0.19.1, glamour 0.5.0, lipgloss 0.5.0, bubbles 0.14.0), installing
# them if missing. Prints the binary's path. Usage: build.sh [OUTDIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-${TMPDIR:-/tmp}/wish-peer}
pkgs=(golang-go golang-github-charmbracelet-wish-dev golang-github-charmbracelet-bubbletea-dev
      golang-github-charmbracelet-glamour-dev golang-github-charmbracelet-lipgloss-dev
      golang-github-charmbracelet-bubbles-dev)
if ! command -v go >/dev/null || [ ! -d /usr/share/gocode/src/github.com/charmbracelet/wish ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}" >&2
fi
mkdir -p "$out"
# GOPATH mode over Debian's source tree: no module download, nothing leaves the machine.
(cd "$here" && GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$out/cache" GOFLAGS= \
    go build -o "$out/wish-peer" .) >&2
echo "$out/wish-peer"
