// Bundles every page under src/<page>/main.js into ../geogrid/web/static/dist/<page>.{js,css}
// with esbuild, and copies what MapLibre loads at run time (its worker, a font) beside them,
// so the served pages need nothing from the internet.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'geogrid', 'web', 'static', 'dist');
const pages = readdirSync(join(here, 'src'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(here, 'src', entry.name, 'main.js')))
  .map((entry) => entry.name);

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'fonts'), { recursive: true });
mkdirSync(join(out, 'vendor', 'images'), { recursive: true });
await build({
  entryPoints: Object.fromEntries(pages.map((page) => [page, join(here, 'src', page, 'main.js')])),
  outdir: out,
  bundle: true,
  format: 'esm',
  // shared code (MapLibre) and what a page imports later (the screen's ECharts) in chunks
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  // terra-draw's default marker points to the internet; pages pass a local one instead.
  loader: { '.png': 'file', '.woff2': 'file' },
  logLevel: 'warning',
});
const copies = {
  'maplibre-gl/dist/maplibre-gl-worker.mjs': 'maplibre-gl-worker.mjs',
  '@fontsource/noto-sans/files/noto-sans-latin-400-normal.woff2': 'fonts/noto-sans-latin-400.woff2',
  '@fontsource/noto-sans/files/noto-sans-latin-700-normal.woff2': 'fonts/noto-sans-latin-700.woff2',
  // Leaflet and its heat-map plugin, inlined into the offline folium maps of `geogrid map`.
  'leaflet/dist/leaflet.js': 'vendor/leaflet.js',
  'leaflet/dist/leaflet.css': 'vendor/leaflet.css',
  'leaflet.heat/dist/leaflet-heat.js': 'vendor/leaflet-heat.js',
  'leaflet/dist/images/layers.png': 'vendor/images/layers.png',
  'leaflet/dist/images/layers-2x.png': 'vendor/images/layers-2x.png',
  'leaflet/dist/images/marker-icon.png': 'vendor/images/marker-icon.png',
};
for (const [from, to] of Object.entries(copies)) {
  copyFileSync(join(here, 'node_modules', from), join(out, to));
}
writeFileSync(join(out, 'BUILT'), `${pages.join(' ')}\n`);
console.log(`web: built ${pages.join(', ')} into ${out}`);
