#!/usr/bin/env bash
# Fetch the real deck designs that are not installed with apt (training and calibration only; nothing
# here is shipped or read at inference). Idempotent; pinned versions (npm checks each tarball's integrity).
#   scripts/fetch-decks.sh            into $GGP_DECK_SOURCES, else $XDG_DATA_HOME/ggpgfx/decks
# Licences: docs/cards.md, "Real deck designs".
set -euo pipefail
root="${GGP_DECK_SOURCES:-${XDG_DATA_HOME:-$HOME/.local/share}/ggpgfx/decks}"
mkdir -p "$root/npm" "$root/deb"

# npm packages: "<spec> <folder>" (the folder under $root/npm the tarball is unpacked into)
packages=(
  "svg-cards@4.0.2 svg-cards"
  "cardsJS@1.1.1 cardsJS"
  "@heruka_urgyen/react-playing-cards@0.5.0 react-playing-cards"
)
for entry in "${packages[@]}"; do
  read -r spec folder <<<"$entry"
  if [[ -f "$root/npm/$folder/.fetched-${spec//\//_}" ]]; then
    continue
  fi
  if ! command -v npm >/dev/null; then
    echo "fetch-decks: npm not found; skipping $spec (apt-get install npm)" >&2
    continue
  fi
  echo "==> deck design sources: $spec"
  tmp="$(mktemp -d)"
  if (cd "$tmp" && npm pack --silent "$spec" >/dev/null 2>&1); then
    rm -rf "$root/npm/$folder"
    mkdir -p "$root/npm/$folder"
    tar -xzf "$tmp"/*.tgz -C "$root/npm/$folder"
    touch "$root/npm/$folder/.fetched-${spec//\//_}"
  else
    echo "fetch-decks: could not fetch $spec from the npm registry; its designs are left out" >&2
  fi
  rm -rf "$tmp"
done

# AisleRiot's Bonded deck: the .deb is unpacked, not installed (installing it pulls in ~140 packages).
if [[ ! -f "$root/deb/aisleriot/.fetched" ]]; then
  if command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null; then
    echo "==> deck design sources: aisleriot (unpacked, not installed)"
    tmp="$(mktemp -d)"
    chmod 777 "$tmp"  # apt's _apt user downloads into it
    if (cd "$tmp" && apt-get download -q aisleriot >/dev/null 2>&1); then
      rm -rf "$root/deb/aisleriot"
      mkdir -p "$root/deb/aisleriot"
      dpkg-deb -x "$tmp"/aisleriot_*.deb "$root/deb/aisleriot"
      touch "$root/deb/aisleriot/.fetched"
    else
      echo "fetch-decks: apt-get download aisleriot failed (apt-get update first?); the bonded design is left out" >&2
    fi
    rm -rf "$tmp"
  fi
fi
