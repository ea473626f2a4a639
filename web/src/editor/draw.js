// terra-draw on the MapLibre map for the two drawn tools: a free-hand lasso (a polygon) and a
// split line. Its marker mode gets a local image: the default one is on the internet.
import { TerraDraw, TerraDrawFreehandMode, TerraDrawLineStringMode, TerraDrawMarkerMode } from 'terra-draw';
import { TerraDrawMapLibreGLAdapter } from 'terra-draw-maplibre-gl-adapter';
import markerPath from './marker.png';

const MARKER_URL = new URL(markerPath, import.meta.url).href;
const STYLE = { lineStringColor: '#d6336c', lineStringWidth: 3, fillColor: '#d6336c', fillOpacity: 0.15, outlineColor: '#d6336c', outlineWidth: 2 };

/** A started TerraDraw; `onFinish(mode, geometry)` gets each finished lasso or line, once. */
export function createDraw(map, onFinish) {
  const draw = new TerraDraw({
    adapter: new TerraDrawMapLibreGLAdapter({ map }),
    modes: [
      new TerraDrawFreehandMode({ styles: { fillColor: STYLE.fillColor, fillOpacity: STYLE.fillOpacity, outlineColor: STYLE.outlineColor, outlineWidth: STYLE.outlineWidth } }),
      new TerraDrawLineStringMode({ styles: { lineStringColor: STYLE.lineStringColor, lineStringWidth: STYLE.lineStringWidth } }),
      new TerraDrawMarkerMode({ styles: { markerUrl: MARKER_URL } }),
    ],
  });
  draw.start();
  draw.setMode('static');
  draw.on('finish', (id) => {
    const feature = draw.getSnapshotFeature(id);
    draw.removeFeatures([id]);
    if (feature) onFinish(feature.properties.mode, feature.geometry);
  });
  return {
    /** 'lasso', 'split' or anything else (drawing off). */
    use(tool) {
      draw.setMode(tool === 'lasso' ? 'freehand' : tool === 'split' ? 'linestring' : 'static');
    },
  };
}

/** Whether [x, y] lies inside a polygon ring (even-odd rule). */
export function insideRing([x, y], ring) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}
