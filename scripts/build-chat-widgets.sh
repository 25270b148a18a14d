#!/usr/bin/env bash
# Fetches the third-party chat widgets the real-widget tests serve (tests/chat_widgets/static/)
# from npm, pinned, and keeps only their prebuilt browser bundles and licences: the tests then
# need neither npm nor any network. Re-run after changing a version; commit the result.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
out="$here/tests/chat_widgets/static"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# name@version  bundle-in-package  licence-in-package
widgets=(
  "deep-chat@2.4.2 dist/deepChat.bundle.js LICENSE"
  "botframework-webchat@4.18.1 dist/webchat-minimal.js dist/webchat-minimal.js.LICENSE.txt"
  "botui@0.3.9 build/botui.min.js LICENSE"
  "botui@0.3.9 build/botui.min.css LICENSE"
  "botui@0.3.9 build/botui-theme-default.css LICENSE"
  "vue@2.7.16 dist/vue.min.js LICENSE"
)
rm -rf "$out" && mkdir -p "$out"
: > "$out/VERSIONS"
for line in "${widgets[@]}"; do
  read -r spec bundle licence <<<"$line"
  name="${spec%@*}"
  if [ ! -d "$work/$name" ]; then
    (cd "$work" && npm pack --silent "$spec" >/dev/null)
    mkdir -p "$work/$name" && tar xzf "$work/${name}-${spec##*@}.tgz" -C "$work/$name"
    echo "$spec" >> "$out/VERSIONS"
  fi
  mkdir -p "$out/$name"
  cp "$work/$name/package/$bundle" "$out/$name/"
  cp "$work/$name/package/$licence" "$out/$name/LICENSE" 2>/dev/null || true
done
# The widgets' stylesheets import web fonts from Google: the copy here must load nothing from outside.
sed -i -E 's#@import url\(https?://[^)]*\);?##g' "$out"/*/*.css
du -sh "$out"
