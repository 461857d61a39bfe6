#!/usr/bin/env bash
# Refresh the browser libraries the app serves (app/web/static/vendor/) from the npm registry,
# at the exact versions pinned in package.json / package-lock.json. Only needed to upgrade them:
# the copied files are committed, so running the service needs neither Node nor the internet.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --ignore-scripts --no-audit --no-fund
dest=app/web/static/vendor/bpmn-js
rm -rf "$dest"
mkdir -p "$dest/assets"
src=node_modules/bpmn-js
cp "$src/dist/bpmn-navigated-viewer.production.min.js" "$dest/"
cp "$src/dist/assets/diagram-js.css" "$src/dist/assets/bpmn-js.css" "$dest/assets/"
cp -r "$src/dist/assets/bpmn-font" "$dest/assets/"
cp "$src/LICENSE" "$dest/LICENSE"
node -e 'console.log(require("./node_modules/bpmn-js/package.json").version)' > "$dest/VERSION"
echo "bpmn-js $(cat "$dest/VERSION") copied to $dest"
rm -rf node_modules  # not committed; package-lock.json pins what was copied
