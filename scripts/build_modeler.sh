#!/usr/bin/env bash
# Build the process owners' editor into app/web/static/vendor/modeler/ from the npm registry, at the exact
# versions pinned in package.json / package-lock.json: bpmn-js's Modeler, bpmn-js-properties-panel and
# @bpmn-io/properties-panel (which ship no browser bundle) bundled with our own source in
# app/web/static/modeler/ by esbuild. The output is committed, so running the service and its tests needs
# neither Node nor the internet; run this only after changing that source or upgrading a package.
#   modeler.js                 the bundle (bpmn.io's watermark kept, as its licence asks)
#   modeler.js.LEGAL.txt       the licence comments esbuild found in the bundled code
#   THIRD_PARTY_LICENSES.txt   the licence of every npm package that went into the bundle
#   assets/properties-panel.css
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --ignore-scripts --no-audit --no-fund
dest=app/web/static/vendor/modeler
rm -rf "$dest"
mkdir -p "$dest/assets"
node --input-type=module - "$dest" <<'JS'
// The bundle. The properties panel writes two inline style attributes into its markup, which the pages'
// Content-Security-Policy refuses; they are taken out here and app/web/static/modeler/modeler.css sets the same.
import { build } from 'esbuild';
import fs from 'fs';
const INLINE = [' style="height: 100%"', ' style="flex: none; height: auto"'];
const withoutInlineStyles = {
  name: 'without-inline-styles',
  setup(context) {
    context.onLoad({ filter: /bpmn-js-properties-panel[\\/]dist[\\/]index\.esm\.js$/ }, async (args) => {
      let contents = await fs.promises.readFile(args.path, 'utf8');
      for (const attribute of INLINE) {
        if (!contents.includes(attribute)) throw new Error(`not found in ${args.path}: ${attribute}`);
        contents = contents.split(attribute).join('');
      }
      return { contents, loader: 'js' };
    });
  },
};
const result = await build({
  entryPoints: ['app/web/static/modeler/index.js'], bundle: true, format: 'iife', minify: true, target: 'es2020',
  legalComments: 'external', metafile: true, outfile: `${process.argv[2]}/modeler.js`, logLevel: 'warning',
  plugins: [withoutInlineStyles],
  // one Preact for the properties panel and diagram-js's menus (the panel ships its own copy)
  alias: { preact: '@bpmn-io/properties-panel/preact' },
});
fs.writeFileSync('node_modules/.modeler-meta.json', JSON.stringify(result.metafile));
JS
cp node_modules/@bpmn-io/properties-panel/dist/assets/properties-panel.css "$dest/assets/"
node - "$dest" <<'JS'
// One licence per package that esbuild put into the bundle, read from the package itself.
const fs = require('fs');
const path = require('path');
const dest = process.argv[2];
const meta = JSON.parse(fs.readFileSync('node_modules/.modeler-meta.json', 'utf8'));
const packages = new Map();
for (const input of Object.keys(meta.inputs)) {
  const match = input.match(/^node_modules\/((?:@[^/]+\/)?[^/]+)\//);
  if (match) packages.set(match[1], path.join('node_modules', match[1]));
}
const out = [];
for (const [name, dir] of [...packages].sort()) {
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const file = fs.readdirSync(dir).find((f) => /^(licen[cs]e|copying)/i.test(f));
  const text = file ? fs.readFileSync(path.join(dir, file), 'utf8').trim() : `License: ${pkg.license}`;
  out.push(`${name} ${pkg.version} (${pkg.license})\n\n${text}\n`);
}
fs.writeFileSync(path.join(dest, 'THIRD_PARTY_LICENSES.txt'), out.join('\n' + '-'.repeat(78) + '\n\n'));
const versions = ['bpmn-js', 'bpmn-js-properties-panel', '@bpmn-io/properties-panel', 'esbuild']
  .map((name) => `${name} ${require(`./node_modules/${name}/package.json`).version}`);
fs.writeFileSync(path.join(dest, 'VERSION'), versions.join('\n') + '\n');
console.log(`modeler bundled into ${dest}: ${packages.size} packages, ${versions.join(', ')}`);
JS
rm -rf node_modules  # not committed; package-lock.json pins what was bundled
