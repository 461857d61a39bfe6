#!/usr/bin/env bash
# Refresh the browser libraries under app/web/static/vendor/ from the npm registry, at the exact versions
# pinned in package.json / package-lock.json. Only needed to upgrade them: the copied files are committed,
# so running the service and its tests needs neither Node nor the internet.
#   bpmn-js   served by the app (the diagrams)
#   dmn-js    served by the app (the decision tables' editor, app/web/dmn_editor.py)
#   echarts   served by the app (the monthly review's charts, app/web/reports.py)
#   axe-core  injected by the browser tests only (tests/web/test_every_page.py); no page links it
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --ignore-scripts --no-audit --no-fund
vendor=app/web/static/vendor

dest=$vendor/bpmn-js
rm -rf "$dest"
mkdir -p "$dest/assets"
src=node_modules/bpmn-js
cp "$src/dist/bpmn-navigated-viewer.production.min.js" "$dest/"
cp "$src/dist/assets/diagram-js.css" "$src/dist/assets/bpmn-js.css" "$dest/assets/"
cp -r "$src/dist/assets/bpmn-font" "$dest/assets/"
cp "$src/LICENSE" "$dest/LICENSE"
node -e 'console.log(require("./node_modules/bpmn-js/package.json").version)' > "$dest/VERSION"
echo "bpmn-js $(cat "$dest/VERSION") copied to $dest"

dest=$vendor/dmn-js
rm -rf "$dest"
mkdir -p "$dest/assets"
src=node_modules/dmn-js
cp "$src/dist/dmn-modeler.production.min.js" "$dest/"
cp "$src/dist/assets/"*.css "$dest/assets/"
cp -r "$src/dist/assets/dmn-font" "$dest/assets/"
cp "$src/LICENSE" "$dest/LICENSE"
node -e 'console.log(require("./node_modules/dmn-js/package.json").version)' > "$dest/VERSION"
echo "dmn-js $(cat "$dest/VERSION") copied to $dest"

dest=$vendor/echarts
rm -rf "$dest"
mkdir -p "$dest"
src=node_modules/echarts
cp "$src/dist/echarts.min.js" "$src/LICENSE" "$src/NOTICE" "$dest/"
node -e 'console.log(require("./node_modules/echarts/package.json").version)' > "$dest/VERSION"
echo "echarts $(cat "$dest/VERSION") copied to $dest"

dest=$vendor/axe-core
rm -rf "$dest"
mkdir -p "$dest"
src=node_modules/axe-core
cp "$src/axe.min.js" "$src/LICENSE" "$dest/"
node -e 'console.log(require("./node_modules/axe-core/package.json").version)' > "$dest/VERSION"
echo "axe-core $(cat "$dest/VERSION") copied to $dest"

rm -rf node_modules  # not committed; package-lock.json pins what was copied
