// The editor's map layers: buildings, roads and rivers, the draft's basic and micro grids from
// vector tiles coloured by households against their band (feature-state, so an edit recolours at
// once), code labels from points, and the units (building cells, vector tiles of the draft's
// version: the page never holds all of them) painted with feature-state like Districtr v2 while
// the server builds the new polygons.
import { FONT, FONT_BOLD } from '../common/map.js';

export const COLOURS = { below: '#6baed6', within: '#74c476', above: '#e6550d', selected: '#ffd23f', painted: '#8e44ad', changed: '#d6336c' };
/** Grids another planner changed since this page's version (outlined after a conflict). */
const CHANGED = ['boolean', ['feature-state', 'changed'], false];
const LEVELS = ['basic', 'micro'];
const MINZOOM = { basic: 10, micro: 13 };
/** Units are tiled from this zoom (the tile layer's minzoom): painting needs them drawn. */
export const UNITS_MINZOOM = 14;

export function unitsLayer(planId) {
  return `plan-${planId}-units`;
}

export function gridSourceId(level) {
  return `grids-${level}`;
}

/** A tile URL of the draft's `version`; version 0 (a new draft: versions only grow) is the
 * plain URL the page opens with, so the first reload does not fetch every tile again. */
function tileUrl(collection, version) {
  const suffix = version ? `?v=${version}` : '';
  return `${location.origin}/collections/${collection}/tiles/WebMercatorQuad/{z}/{y}/{x}${suffix}`;
}

function vectorSource(collection, minzoom, extra = {}) {
  return { type: 'vector', tiles: [tileUrl(collection)], minzoom, maxzoom: 16, ...extra };
}

/** Households from feature-state (set from the API) when known, else from the tile. */
const HOUSEHOLDS = ['coalesce', ['feature-state', 'households'], ['get', 'households']];
const FILL = [
  'case',
  ['boolean', ['feature-state', 'selected'], false], COLOURS.selected,
  ['<', HOUSEHOLDS, ['coalesce', ['feature-state', 'lo'], 0]], COLOURS.below,
  ['>', HOUSEHOLDS, ['coalesce', ['feature-state', 'hi'], 1e9]], COLOURS.above,
  COLOURS.within,
];

/** Adds every source and layer of the editor for draft `planId`. */
export function addLayers(map, planId) {
  map.addSource('buildings', vectorSource('buildings', 13));
  map.addSource('barriers', vectorSource('barrier_lines', 10));
  for (const level of LEVELS) {
    map.addSource(gridSourceId(level), vectorSource(`plan-${planId}-${level}_grids`, MINZOOM[level], { promoteId: 'code' }));
  }
  map.addSource('units', vectorSource(unitsLayer(planId), UNITS_MINZOOM, { promoteId: 'unit_id' }));
  map.addSource('labels', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
  map.addSource('diff', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });

  const grid = (level) => ({ source: gridSourceId(level), 'source-layer': `plan-${planId}-${level}_grids` });
  map.addLayer({ id: 'grids-fill', type: 'fill', ...grid('basic'), paint: { 'fill-color': FILL, 'fill-opacity': 0.45 } });
  map.addLayer({ id: 'micro-fill', type: 'fill', ...grid('micro'), layout: { visibility: 'none' }, paint: { 'fill-color': FILL, 'fill-opacity': 0.45 } });
  map.addLayer({ id: 'buildings', type: 'fill', source: 'buildings', 'source-layer': 'buildings', paint: { 'fill-color': '#8c8c8c', 'fill-opacity': 0.7 } });
  map.addLayer({
    id: 'barriers', type: 'line', source: 'barriers', 'source-layer': 'barrier_lines',
    paint: {
      'line-color': ['match', ['get', 'kind'], 'waterway', '#3d85c6', 'railway', '#555555', '#ffffff'],
      'line-width': ['match', ['get', 'kind'], 'waterway', 3, 2],
    },
  });
  // units are painted zoomed in: below zoom 14 they would only slow every frame down
  const units = { source: 'units', 'source-layer': unitsLayer(planId) };
  map.addLayer({ id: 'units-fill', type: 'fill', ...units, minzoom: UNITS_MINZOOM, paint: {
    'fill-color': COLOURS.painted,
    'fill-opacity': ['case', ['boolean', ['feature-state', 'painted'], false], 0.75, 0],
  } });
  map.addLayer({ id: 'units-line', type: 'line', ...units, minzoom: 15, paint: { 'line-color': '#ffffff', 'line-width': 0.4, 'line-opacity': 0.6 } });
  map.addLayer({ id: 'micro-line', type: 'line', ...grid('micro'), paint: { 'line-color': ['case', CHANGED, COLOURS.changed, '#35506b'], 'line-width': ['case', CHANGED, 2.5, 0.8], 'line-dasharray': [2, 1] } });
  map.addLayer({ id: 'grids-line', type: 'line', ...grid('basic'), paint: {
    'line-color': ['case', CHANGED, COLOURS.changed, ['boolean', ['feature-state', 'locked'], false], '#b00020', '#1f3b57'],
    'line-width': ['case', ['any', CHANGED, ['boolean', ['feature-state', 'selected'], false]], 3.5, 1.8],
  } });
  map.addLayer({ id: 'diff-fill', type: 'fill', source: 'diff', paint: { 'fill-color': '#d6336c', 'fill-opacity': 0.35 } });
  map.addLayer({ id: 'diff-line', type: 'line', source: 'diff', paint: { 'line-color': '#d6336c', 'line-width': 2 } });
  // basic codes on top: MapLibre places the top layer's labels first
  map.addLayer({
    id: 'micro-labels', type: 'symbol', source: 'labels', minzoom: 15,
    filter: ['==', ['get', 'level'], 'micro'],
    layout: { 'text-field': ['get', 'short'], 'text-font': [FONT], 'text-size': 10 },
    paint: { 'text-color': '#35506b', 'text-halo-color': '#ffffff', 'text-halo-width': 1 },
  });
  map.addLayer({
    id: 'labels', type: 'symbol', source: 'labels',
    filter: ['==', ['get', 'level'], 'basic'],
    layout: { 'text-field': ['get', 'short'], 'text-font': [FONT_BOLD], 'text-size': 12 },
    paint: { 'text-color': '#10263b', 'text-halo-color': '#ffffff', 'text-halo-width': 1.5 },
  });
}

/** Which level's grids are filled (and picked by clicks). */
export function showLevel(map, level) {
  map.setLayoutProperty('grids-fill', 'visibility', level === 'basic' ? 'visible' : 'none');
  map.setLayoutProperty('micro-fill', 'visibility', level === 'micro' ? 'visible' : 'none');
}

export function fillLayer(level) {
  return level === 'basic' ? 'grids-fill' : 'micro-fill';
}

/** Households, band and lock of each grid row as feature-state (colours follow at once). */
export function paintGrids(map, rows) {
  for (const row of rows) {
    map.setFeatureState(
      { source: gridSourceId(row.level), sourceLayer: sourceLayerOf(map, row.level), id: row.code },
      { households: row.households, lo: row.lo, hi: row.hi, locked: Boolean(row.locked) },
    );
  }
}

function sourceLayerOf(map, level) {
  return map.getLayer(level === 'basic' ? 'grids-line' : 'micro-line').sourceLayer;
}

export function setSelected(map, level, code, selected) {
  map.setFeatureState({ source: gridSourceId(level), sourceLayer: sourceLayerOf(map, level), id: code }, { selected });
}

/** Outlines the grids another planner changed (rows of the grid table). */
export function markChanged(map, rows) {
  for (const row of rows) {
    map.setFeatureState({ source: gridSourceId(row.level), sourceLayer: sourceLayerOf(map, row.level), id: row.code }, { changed: true });
  }
}

/** Marks units as painted (pending) or clears them. */
export function setPainted(map, unitIds, painted) {
  const sourceLayer = map.getLayer('units-fill').sourceLayer;
  for (const id of unitIds) map.setFeatureState({ source: 'units', sourceLayer, id }, { painted });
}

/** Reloads the grid and unit tiles of the draft's new version (tile URLs carry it, so caches
 * cannot lie: a unit's micro grid changes with each edit, undo and redo). */
export function refreshGrids(map, planId, version) {
  const sources = [...LEVELS.map((level) => [gridSourceId(level), `plan-${planId}-${level}_grids`]), ['units', unitsLayer(planId)]];
  for (const [id, collection] of sources) {
    const source = map.getSource(id);
    const url = tileUrl(collection, version);
    if ((source.geogridUrl ?? tileUrl(collection)) === url) continue; // addLayers' own URL
    source.geogridUrl = url;
    source.setTiles([url]);
  }
}

/** The units of the loaded tiles, once each (a unit cut by tile edges comes in several pieces
 * with the same centre): `[{id, point: [lon, lat]}]`. */
export function loadedUnits(map) {
  const sourceLayer = map.getLayer('units-fill').sourceLayer;
  const seen = new Map();
  for (const f of map.querySourceFeatures('units', { sourceLayer })) {
    if (!seen.has(f.id)) seen.set(f.id, { id: f.id, point: [f.properties.cx, f.properties.cy] });
  }
  return [...seen.values()];
}

export function setData(map, source, data) {
  map.getSource(source).setData(data);
}
