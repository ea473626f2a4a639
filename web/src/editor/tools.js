// The map tools: select grids, paint units by click, brush or lasso onto the target grid, and
// draw a split line. Each tool reports what the planner chose; main.js sends it to the server.
import { createDraw, insideRing } from './draw.js';
import { fillLayer, loadedUnits, setPainted } from './layers.js';

export const TOOLS = ['select', 'click', 'brush', 'lasso', 'split'];

/**
 * Wires the tools to `map`. `handlers`: onSelect(code, additive), onTarget(code),
 * onPaint(unitIds), onSplit(line). `level()` says which grids are picked.
 */
export function createTools(map, { level, brushSize, onSelect, onTarget, onPaint, onSplit }) {
  let tool = 'select';
  const cursor = brushCursor(map);
  const draw = createDraw(map, (mode, geometry) => {
    if (mode === 'freehand') onPaint(unitsInside(loadedUnits(map), geometry.coordinates[0]));
    if (mode === 'linestring') onSplit(geometry.coordinates);
  });

  const gridAt = (point) => map.queryRenderedFeatures(point, { layers: [fillLayer(level())] })[0]?.properties.code;
  const unitsAt = (box) => [...new Set(map.queryRenderedFeatures(box, { layers: ['units-fill'] }).map((f) => f.id))];

  map.on('click', (event) => {
    if (event.originalEvent.shiftKey && tool !== 'select') {
      const code = gridAt(event.point);
      if (code) onTarget(code);
    } else if (tool === 'select') {
      const code = gridAt(event.point);
      if (code) onSelect(code, event.originalEvent.shiftKey || event.originalEvent.ctrlKey);
    } else if (tool === 'click') {
      const ids = unitsAt(event.point);
      if (ids.length) onPaint(ids.slice(0, 1));
    }
  });

  let stroke = null;
  map.on('mousedown', (event) => {
    if (tool !== 'brush' || event.originalEvent.shiftKey) return;
    event.preventDefault();
    stroke = new Set();
    paintAt(event.point);
  });
  map.on('mousemove', (event) => {
    cursor.move(event.point, tool === 'brush' ? brushSize() : 0);
    if (stroke) paintAt(event.point);
  });
  map.on('mouseup', () => {
    if (!stroke) return;
    const ids = [...stroke];
    stroke = null;
    if (ids.length) onPaint(ids);
  });

  function paintAt({ x, y }) {
    const r = brushSize();
    const fresh = unitsAt([[x - r, y - r], [x + r, y + r]]).filter((id) => !stroke.has(id));
    for (const id of fresh) stroke.add(id);
    setPainted(map, fresh, true);
  }

  return {
    get tool() {
      return tool;
    },
    use(name) {
      tool = name;
      draw.use(name);
      if (name === 'brush') map.dragPan.disable();
      else map.dragPan.enable();
      map.getCanvas().style.cursor = name === 'select' ? '' : 'crosshair';
      cursor.move(null, 0);
    },
  };
}

/** Unit ids whose centre (the tiles' cx, cy) lies inside a lasso ring. */
export function unitsInside(points, ring) {
  return points.filter((unit) => insideRing(unit.point, ring)).map((unit) => unit.id);
}

/** A circle following the pointer in brush mode, sized like the brush. */
function brushCursor(map) {
  const ring = document.createElement('div');
  ring.className = 'brush-cursor';
  map.getContainer().appendChild(ring);
  return {
    move(point, radius) {
      ring.style.display = point && radius ? 'block' : 'none';
      if (!point || !radius) return;
      Object.assign(ring.style, { left: `${point.x - radius}px`, top: `${point.y - radius}px`, width: `${2 * radius}px`, height: `${2 * radius}px` });
    },
  };
}
