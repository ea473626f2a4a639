// The district map: basic grids from vector tiles coloured by a chosen measure, hot and cold
// spots outlined, the incidents' heat map (below zoom 12 from the incidents counted per cell,
// `incident_density` tiles; from zoom 12 from the incident tiles themselves), street and
// community outlines and names, and a flash where a live incident arrives. Nothing large is
// GeoJSON.
import { FONT_BOLD, gridTileSource, newMap } from '../common/map.js';

const TILES = (id) => `${location.origin}/collections/${id}/tiles/WebMercatorQuad/{z}/{y}/{x}`;
const NO_DATA = '#26384d';
const GRID_MINZOOM = 10; // the basic grids' tiles begin here (README: Vector tiles)
const FIT = { padding: 40, maxZoom: 16 }; // an area fitted into the map panel
const HEAT_COLOUR = ['interpolate', ['linear'], ['heatmap-density'], 0, 'rgba(0,0,0,0)', 0.2, '#2c7fb8', 0.4, '#41b6c4', 0.6, '#ffffb2', 0.8, '#fd8d3c', 1, '#e31a1c'];
const RAMP = ['#123a5c', '#1f6f8b', '#3fa7a3', '#f2c14e', '#f0823c', '#e03c31'];
export const MEASURES = ['incidents', 'settlement', 'overdue', 'coverage', 'hotspot'];
const ATTRIBUTE = { incidents: 'incidents', overdue: 'incidents_overdue', settlement: 'settlement_rate', coverage: 'workers' };

/** A fill colour expression for `measure`; counts are spread over 0..max of what is loaded. */
export function fillColour(measure, max = 1) {
  const top = Math.max(max, 1);
  const ramp = (value, colours, stops) => ['interpolate', ['linear'], value, ...stops.flatMap((s, k) => [s, colours[k]])];
  const even = (n) => Array.from({ length: n }, (_, k) => (top * k) / (n - 1));
  if (measure === 'settlement') {
    return ['case', ['has', 'settlement_rate'], ramp(['get', 'settlement_rate'], [...RAMP].reverse(), [0, 0.5, 0.8, 0.9, 0.95, 1]), NO_DATA];
  }
  if (measure === 'hotspot') {
    return ['match', ['coalesce', ['get', 'gi_bin'], 0], 3, '#d7191c', 2, '#f07c4a', 1, '#f7b98c', -1, '#9ec9e2', -2, '#4f93c4', -3, '#2166ac', '#2a3f55'];
  }
  if (measure === 'coverage') {
    return ['case', ['==', ['get', 'unmanned'], true], '#e03c31', ['has', 'workers'], ramp(['get', 'workers'], ['#f2c14e', '#3fa7a3', '#1f6f8b'], [1, 2, Math.max(top, 3)]), NO_DATA];
  }
  const attribute = ATTRIBUTE[measure];
  return ['case', ['has', attribute], ramp(['get', attribute], RAMP, even(RAMP.length)), NO_DATA];
}

/** The loaded grids' largest value of a count measure (to spread the colour ramp). */
function loadedMax(map, measure) {
  const attribute = ATTRIBUTE[measure];
  let max = 0;
  for (const f of map.querySourceFeatures('grids', { sourceLayer: 'basic_grids' })) max = Math.max(max, Number(f.properties[attribute]) || 0);
  return max;
}

/** Map sizes follow the page's rem (16 px on a 1920-wide screen, 32 px on 3840). */
function px(value) {
  return (value * parseFloat(getComputedStyle(document.documentElement).fontSize)) / 16;
}

/** The grids' source and layers, in the map's first style: the first frame that shows grids
 * needs nothing else (each layer type is a shader program to compile, slow on a software GPU). */
function gridStyle() {
  const grids = { source: 'grids', 'source-layer': 'basic_grids' };
  return {
    sources: { grids: gridTileSource(TILES('basic_grids')) },
    layers: [
      // the opacity is data-driven from the start (as focus() sets it): one shader program
      { id: 'grid-fill', type: 'fill', ...grids, paint: { 'fill-color': fillColour('incidents'), 'fill-opacity': dimOutside('') } },
      { id: 'grid-line', type: 'line', ...grids, paint: { 'line-color': '#0b1726', 'line-width': px(0.6) } },
      { id: 'hot-line', type: 'line', ...grids, filter: ['>=', ['coalesce', ['get', 'gi_bin'], 0], 2], paint: { 'line-color': '#ff3b30', 'line-width': px(2.5) } },
      { id: 'cold-line', type: 'line', ...grids, filter: ['<=', ['coalesce', ['get', 'gi_bin'], 0], -2], paint: { 'line-color': '#5ab0ff', 'line-width': px(2) } },
    ],
  };
}

/** Grids inside area `code` (a code prefix; '' for all) opaque, the others dimmed. */
function dimOutside(code) {
  return ['case', ['==', ['slice', ['get', 'code'], 0, code.length], code], 0.85, 0.15];
}

/** The layers drawn once the grids are: heat maps, incidents, outlines, the live dot, names. */
function addOverlays(map) {
  map.addSource('incidents', { type: 'vector', tiles: [TILES('incidents')], minzoom: 12, maxzoom: 16 });
  map.addSource('density', { type: 'vector', tiles: [TILES('incident_density')], minzoom: 6, maxzoom: 11 });
  map.addSource('outlines', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
  map.addSource('labels', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
  map.addSource('live', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
  map.addLayer({
    id: 'heat', type: 'heatmap', source: 'incidents', 'source-layer': 'incidents', maxzoom: 17,
    paint: {
      'heatmap-radius': ['interpolate', ['linear'], ['zoom'], 12, px(8), 16, px(24)],
      'heatmap-intensity': ['interpolate', ['linear'], ['zoom'], 12, 0.6, 16, 1.5],
      'heatmap-opacity': 0.75,
      'heatmap-color': HEAT_COLOUR,
    },
  });
  // the district's zoom: one point per cell of ~500 m weighted by its count (a cell of 400
  // incidents or more is full heat); the incident tiles take over at zoom 12
  map.addLayer({
    id: 'heat-district', type: 'heatmap', source: 'density', 'source-layer': 'incident_density', maxzoom: 12,
    paint: {
      'heatmap-weight': ['interpolate', ['linear'], ['sqrt', ['get', 'count']], 0, 0, 20, 1],
      'heatmap-radius': ['interpolate', ['linear'], ['zoom'], 8, px(6), 11, px(18)],
      'heatmap-intensity': ['interpolate', ['linear'], ['zoom'], 8, 0.8, 11, 1.4],
      'heatmap-opacity': 0.75,
      'heatmap-color': HEAT_COLOUR,
    },
  });
  map.addLayer({ id: 'incident-dots', type: 'circle', source: 'incidents', 'source-layer': 'incidents', minzoom: 15, paint: { 'circle-radius': px(3), 'circle-color': ['case', ['==', ['get', 'overdue'], true], '#ff3b30', '#ffd166'], 'circle-stroke-width': 0.5, 'circle-stroke-color': '#0b1726' } });
  map.addLayer({ id: 'outline', type: 'line', source: 'outlines', paint: { 'line-color': ['get', 'colour'], 'line-width': ['*', px(1), ['get', 'width']] } });
  map.addLayer({ id: 'live-dot', type: 'circle', source: 'live', paint: { 'circle-radius': px(9), 'circle-color': '#ffffff', 'circle-opacity': 0.9, 'circle-stroke-color': '#ff3b30', 'circle-stroke-width': px(3) } });
  map.addLayer({
    id: 'area-label', type: 'symbol', source: 'labels',
    layout: { 'text-field': ['get', 'name'], 'text-font': [FONT_BOLD], 'text-size': ['interpolate', ['linear'], ['zoom'], 9, px(14), 14, px(20)], 'text-allow-overlap': false },
    paint: { 'text-color': '#e8f1fb', 'text-halo-color': '#0b1726', 'text-halo-width': px(2) },
  });
}

export class ScreenMap {
  /** The map, its grids asked for at once: at `bounds` ([w, s, e, n], lon/lat; the server's
   * hint for the district, null when it gave none) or at the default view until focus().
   * Resolves when the style is read (before the first frame), so the areas arrive meanwhile. */
  static async create(container, { basemapUrl, bounds, onPick }) {
    const view = bounds ? { bounds, fitBoundsOptions: FIT } : {};
    // no fade-in of names and tiles: on a software GPU each fading frame redraws the whole map
    const map = newMap(container, { dark: true, basemapUrl, fadeDuration: 0, ...view, ...gridStyle() });
    if (map.getZoom() < GRID_MINZOOM) map.jumpTo({ zoom: GRID_MINZOOM });
    await new Promise((resolve) => (map.isStyleLoaded() ? resolve() : map.once('style.load', resolve)));
    return new ScreenMap(map, onPick);
  }

  constructor(map, onPick) {
    this.map = map;
    this.measure = 'incidents';
    this.area = '';
    this.recent = [];
    map.on('click', 'grid-fill', (event) => event.features[0] && onPick(String(event.features[0].properties.code)));
    map.on('mouseenter', 'grid-fill', () => { map.getCanvas().style.cursor = 'pointer'; });
    map.on('mouseleave', 'grid-fill', () => { map.getCanvas().style.cursor = ''; });
    map.on('sourcedata', (event) => { if (event.sourceId === 'grids' && event.isSourceLoaded) this.restyle(); });
  }

  /** Colour the grids by `measure` (one of MEASURES). */
  setMeasure(measure) {
    this.measure = measure;
    this.restyle();
  }

  restyle() {
    const max = ATTRIBUTE[this.measure] && this.measure !== 'settlement' ? loadedMax(this.map, this.measure) : 1;
    if (max === this.max && this.measure === this.painted) return;
    this.max = max;
    this.painted = this.measure;
    this.map.setPaintProperty('grid-fill', 'fill-color', fillColour(this.measure, max));
    this.onLegend?.(this.measure, max);
  }

  /** Show area `code`: grids outside it dimmed, its outline drawn, its children named. */
  async focus(code, { box, outlines, labels }) {
    this.area = code;
    this.map.setPaintProperty('grid-fill', 'fill-opacity', dimOutside(code));
    if (box) {
      this.map.fitBounds([[box[0], box[1]], [box[2], box[3]]], { ...FIT, animate: false });
      // grid tiles start at zoom 10: a district too wide for the panel is shown from its centre
      if (this.map.getZoom() < GRID_MINZOOM) this.map.jumpTo({ zoom: GRID_MINZOOM });
    }
    await this.gridsDrawn();
    // the other layers after the grids' first frame: MapLibre's worker (one on a 2-core
    // machine) cuts GeoJSON into tiles too, and their shaders compile after the grids'
    if (!this.map.getSource('live')) {
      addOverlays(this.map);
      this.map.getSource('live').setData({ type: 'FeatureCollection', features: this.recent });
    }
    this.map.getSource('outlines').setData(outlines);
    this.map.getSource('labels').setData(labels);
    this.restyle();
  }

  /** Resolves on the first frame that shows the grids of the current view, all tiles loaded
   * (not 'idle', which also waits for label fades and every other source). */
  gridsDrawn() {
    const { map } = this;
    return new Promise((resolve) => {
      const check = () => {
        if (!map.isSourceLoaded('grids') || !this.gridsShown()) return;
        map.off('render', check);
        resolve();
      };
      map.on('render', check);
      map.triggerRepaint();
    });
  }

  /** How many grids the map draws now (rendered from tiles; a grid cut by tile edges once). */
  gridsShown() {
    return new Set(this.map.queryRenderedFeatures({ layers: ['grid-fill'] }).map((f) => f.properties.code)).size;
  }

  /** Flash a live incident where it happened; the last few stay marked. */
  flash(event) {
    if (event.lon === null || event.lon === undefined) return;
    this.recent = [{ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [event.lon, event.lat] } }, ...this.recent].slice(0, 8);
    this.map.getSource('live')?.setData({ type: 'FeatureCollection', features: this.recent }); // else drawn with the overlays
  }
}
