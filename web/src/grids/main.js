// The published plan's basic grids with their codes: the smallest page on the shared map code,
// and what the browser tests use to prove a page draws grids from tiles with no network.
import { api, takeKeyFromFragment } from '../common/api.js';
import { createMap, FONT, gridTileSource, pageConfig } from '../common/map.js';

takeKeyFromFragment();
const config = pageConfig();
const status = document.getElementById('status');

const map = await createMap('map', { basemapUrl: config.basemapUrl });
const collection = await api('/collections/basic_grids');
const [west, south, east, north] = collection.extent.spatial.bbox[0];
map.fitBounds([[west, south], [east, north]], { padding: 20, animate: false });
map.addSource('basic_grids', gridTileSource(`${location.origin}/collections/basic_grids/tiles/WebMercatorQuad/{z}/{y}/{x}`));
map.addLayer({ id: 'grids-fill', type: 'fill', source: 'basic_grids', 'source-layer': 'basic_grids', paint: { 'fill-color': '#4a90c2', 'fill-opacity': 0.25 } });
map.addLayer({ id: 'grids-line', type: 'line', source: 'basic_grids', 'source-layer': 'basic_grids', paint: { 'line-color': '#1f4e79', 'line-width': 1 } });
map.addLayer({ id: 'grids-label', type: 'symbol', source: 'basic_grids', 'source-layer': 'basic_grids', layout: { 'text-field': ['get', 'code'], 'text-font': [FONT], 'text-size': 11 } });
map.once('idle', () => {
  // a grid cut by tile edges comes as several features: count codes, not pieces
  const shown = new Set(map.queryRenderedFeatures({ layers: ['grids-fill'] }).map((f) => f.properties.code)).size;
  status.textContent = `${collection.title}: ${shown}`;
  document.body.dataset.ready = String(shown);
});
