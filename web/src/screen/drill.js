// Drill-down: district -> street -> community -> grid. The area is a code (6, 9, 12 digits or
// a grid code); names and outlines of streets and communities come once from the features API
// (a few hundred polygons at most), a grid's box from its feature when it is picked.
import { api } from '../common/api.js';

export const LEVELS = ['district', 'street', 'community', 'grid'];
const LENGTHS = { district: 6, street: 9, community: 12 };

/** The level of an area code: 6 digits a district, 9 a street, 12 a community, longer a grid. */
export function levelOf(code) {
  return Object.keys(LENGTHS).find((level) => LENGTHS[level] === code.length) || 'grid';
}

/** The area one level down that contains grid `gridCode`, seen from area `code`. */
export function childOf(code, gridCode) {
  const level = levelOf(code);
  if (level === 'district') return gridCode.slice(0, 9);
  if (level === 'street') return gridCode.slice(0, 12);
  return gridCode;
}

/** What the area ranking ranks at each level (the API's `by`). */
export function rankingBy(code) {
  return { district: 'street', street: 'community', community: 'basic', grid: 'basic' }[levelOf(code)];
}

/** The chain of area codes from the district down to `code`. */
export function chain(code) {
  const out = [code.slice(0, 6)];
  for (const n of [9, 12]) if (code.length >= n) out.push(code.slice(0, n));
  if (levelOf(code) === 'grid') out.push(code);
  return out;
}

function bbox(geometry) {
  let box = [Infinity, Infinity, -Infinity, -Infinity];
  const walk = (c) => {
    if (typeof c[0] === 'number') box = [Math.min(box[0], c[0]), Math.min(box[1], c[1]), Math.max(box[2], c[0]), Math.max(box[3], c[1])];
    else c.forEach(walk);
  };
  walk(geometry.coordinates);
  return box;
}

/** Where to write an area's name: the centroid of its largest part's outer ring (islands and
 * bays do not pull it out to sea as a box centre would). */
export function labelPoint(geometry) {
  const parts = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  let best = null;
  for (const [ring] of parts) {
    let area = 0; let x = 0; let y = 0;
    for (let k = 0; k < ring.length - 1; k += 1) {
      const [x0, y0] = ring[k]; const [x1, y1] = ring[k + 1];
      const cross = x0 * y1 - x1 * y0;
      area += cross; x += (x0 + x1) * cross; y += (y0 + y1) * cross;
    }
    if (area && (!best || Math.abs(area) > Math.abs(best.area))) best = { area, point: [x / (3 * area), y / (3 * area)] };
  }
  return best ? best.point : parts[0][0][0];
}

/** Names, outlines and boxes of the district, its streets and communities. */
export class Areas {
  static async load() {
    const get = (id) => api(`/collections/${id}/items?limit=10000`).then((fc) => fc.features);
    const [districts, streets, communities, grids] = await Promise.all([
      get('districts'), get('streets'), get('communities'), api('/collections/basic_grids').catch(() => null),
    ]);
    const areas = new Areas(districts, streets, communities);
    const extent = grids?.extent?.spatial?.bbox?.[0];
    if (extent) for (const d of districts) areas.byCode.get(String(d.properties.code)).box = extent;
    return areas;
  }

  constructor(districts, streets, communities) {
    this.districts = districts;
    this.streets = streets;
    this.communities = communities;
    this.byCode = new Map();
    for (const f of [...districts, ...streets, ...communities]) {
      this.byCode.set(String(f.properties.code), { name: f.properties.name, box: bbox(f.geometry), feature: f });
    }
  }

  /** The district whose code the screen starts from (the first one, or the one named). */
  home(preferred) {
    if (preferred && this.byCode.has(preferred)) return preferred;
    const district = this.districts[0];
    return district ? String(district.properties.code) : '';
  }

  name(code) {
    return this.byCode.get(code)?.name || code;
  }

  /** Whether `code` is an area the screen can show: the district, one of its streets or
   * communities, or a basic grid of the published plan (looked up once). */
  async known(code) {
    if (levelOf(code) !== 'grid') return this.byCode.has(code);
    if (!/^[0-9]{13,40}$/.test(code)) return false;
    return (await this.box(code)) !== null;
  }

  /** [west, south, east, north] of an area; grids are looked up when first asked for. */
  async box(code) {
    if (!this.byCode.has(code)) {
      const fc = await api(`/collections/basic_grids/items?code=${encodeURIComponent(code)}&limit=1`);
      const feature = fc.features[0];
      this.byCode.set(code, { name: feature?.properties.name || code, box: feature ? bbox(feature.geometry) : null, feature });
    }
    return this.byCode.get(code).box;
  }

  /** Label points (box centres) of the areas one level below `code`: streets or communities. */
  labels(code) {
    const level = levelOf(code);
    const list = level === 'district' ? this.streets : level === 'street' ? this.communities.filter((f) => String(f.properties.code).startsWith(code)) : [];
    return {
      type: 'FeatureCollection',
      features: list.map((f) => ({ type: 'Feature', properties: { name: f.properties.name }, geometry: { type: 'Point', coordinates: labelPoint(f.geometry) } })),
    };
  }
}

/** The breadcrumb: each level a button that goes back up to it. */
export function renderBreadcrumb(node, code, areas, t, go) {
  node.replaceChildren();
  for (const [k, part] of chain(code).entries()) {
    if (k) node.append(Object.assign(document.createElement('span'), { className: 'sep', textContent: '›' }));
    const button = document.createElement('button');
    button.textContent = levelOf(part) === 'grid' ? `${t('grid')} ${part.slice(12)}` : areas.name(part);
    button.dataset.code = part;
    button.title = t(levelOf(part));
    button.disabled = part === code;
    button.addEventListener('click', () => go(part));
    node.append(button);
  }
}
