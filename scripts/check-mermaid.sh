#!/usr/bin/env bash
# Parse every Mermaid chart slo-gate writes (golden files and docs) with Mermaid's own parser.
# Installs mermaid and jsdom (pinned) from the npm registry into a temporary folder.
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(
  cd "$work"
  npm init -y >/dev/null
  npm install --silent --no-audit --no-fund --no-save mermaid@11.17.2 jsdom@24.1.3 >/dev/null
)
cp scripts/check-mermaid.mjs "$work/"
files=()
for f in tests/render/golden/*.md tests/report/golden/*.md docs/*.md; do
  files+=("$PWD/$f")
done
node "$work/check-mermaid.mjs" "${files[@]}"
