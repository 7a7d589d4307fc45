#!/usr/bin/env bash
# Install what dispersa needs on a fresh Debian/Ubuntu machine: Mesa's Vulkan driver (lavapipe,
# a software GPU) and the Vulkan loader. Without them dispersa still runs, on its CPU backend.
set -euo pipefail
if ! command -v cargo >/dev/null 2>&1; then
    echo "setup: cargo not found; install Rust first (https://rustup.rs)" >&2
    exit 1
fi
missing=()
for pkg in mesa-vulkan-drivers libvulkan1; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
        echo "setup: need root to install ${missing[*]}; dispersa will fall back to its CPU backend" >&2
        exit 0
    fi
    echo "setup: installing ${missing[*]}" >&2
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
