// A MapLibre map that needs nothing from the internet: the worker and the Latin font are served
// by geogrid, CJK labels are drawn with the browser's own fonts, and the background is a plain
// colour unless the page's config names a basemap URL (a raster XYZ template) of the user's own.
import { Map as MapLibreMap, NavigationControl, ScaleControl, setWorkerUrl } from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import { transformRequest } from './api.js';

setWorkerUrl(new URL('/static/dist/maplibre-gl-worker.mjs', location.origin).href);

export const FONT = 'Noto Sans Regular';
export const FONT_BOLD = 'Noto Sans Bold';

/** The page's config, written by the server into <script id="geogrid-config">. */
export function pageConfig() {
  const node = document.getElementById('geogrid-config');
  return node ? JSON.parse(node.textContent) : {};
}

/** A style with our font faces, a background and, if configured, the user's basemap; then
 * `sources` and `layers` of the page's own (given in the first style, their tiles are asked
 * for as soon as the style is read instead of after the map's first frame). */
export function baseStyle({ basemapUrl = null, dark = false, sources = {}, layers = [] } = {}) {
  const fonts = (file) => [{ url: `${location.origin}/static/dist/fonts/${file}`, 'unicode-range': ['U+0000-024F', 'U+2000-206F'] }];
  const style = {
    version: 8,
    'font-faces': { [FONT]: fonts('noto-sans-latin-400.woff2'), [FONT_BOLD]: fonts('noto-sans-latin-700.woff2') },
    sources: {},
    layers: [{ id: 'background', type: 'background', paint: { 'background-color': dark ? '#0b1726' : '#f4f1ea' } }],
  };
  if (basemapUrl) {
    style.sources.basemap = { type: 'raster', tiles: [basemapUrl], tileSize: 256 };
    style.layers.push({ id: 'basemap', type: 'raster', source: 'basemap' });
  }
  Object.assign(style.sources, sources);
  style.layers.push(...layers);
  return style;
}

/** A map in `container`, returned at once (its style is read on the next frame: wait for
 * 'style.load' before changing it). `bounds` ([w, s, e, n], lon/lat) with `fitBoundsOptions`
 * overrides `center`/`zoom`; `sources`/`layers` go into the first style; other MapLibre
 * options (`fadeDuration`, ...) pass through. */
export function newMap(container, { center = [120.47, 36.12], zoom = 11, dark = false, basemapUrl = null, sources, layers, ...options } = {}) {
  const map = new MapLibreMap({
    container,
    style: baseStyle({ basemapUrl, dark, sources, layers }),
    center,
    zoom,
    transformRequest,
    localIdeographFontFamily: "'Noto Sans CJK SC', 'Noto Sans SC', 'Microsoft YaHei', 'PingFang SC', sans-serif",
    attributionControl: false,
    ...options,
  });
  map.addControl(new NavigationControl({ showCompass: false }));
  map.addControl(new ScaleControl({ unit: 'metric' }));
  return map;
}

/** A map in `container`; resolves once its style has loaded and its first frame is drawn. */
export function createMap(container, options = {}) {
  const map = newMap(container, options);
  return new Promise((resolve) => map.on('load', () => resolve(map)));
}

/** The grids of a plan as a vector-tile source from geogrid's own tile endpoint. */
export function gridTileSource(tilesUrl) {
  return { type: 'vector', tiles: [tilesUrl], minzoom: 0, maxzoom: 16, promoteId: 'code' };
}
