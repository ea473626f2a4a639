// What the page knows of the draft's grids: one row per basic and micro grid (households, band,
// lock, bbox, label point), updated from each edit's answer so the panel never waits for tiles.

export class GridTable {
  constructor(rows = []) {
    this.rows = new Map();
    this.replace(rows);
  }

  replace(rows) {
    this.rows = new Map(rows.map((row) => [row.code, { ...row }]));
  }

  get(code) {
    return this.rows.get(code);
  }

  /** Takes an edit's answer: new statistics of the touched grids, removed and recoded codes. */
  applyEdit(result) {
    for (const [oldCode, newCode] of result.recoded || []) {
      const row = this.rows.get(oldCode);
      if (row) {
        this.rows.delete(oldCode);
        this.rows.set(newCode, { ...row, code: newCode });
      }
    }
    for (const code of result.removed || []) this.rows.delete(code);
    for (const stats of result.grids || []) {
      const row = this.rows.get(stats.code) || { code: stats.code, bbox: null, point: null };
      this.rows.set(stats.code, {
        ...row,
        level: stats.level,
        parent_code: stats.parent_code,
        name: stats.name,
        households: stats.households,
        lo: stats.band.lo,
        hi: stats.band.hi,
        within: stats.band.within,
        exempt: stats.exempt ?? null,
        locked: stats.locked,
      });
    }
  }

  /** Grids whose households leave their band and that an edit could fix, basic first, then
   * by code (what publishing asks a reason for). */
  outOfBand() {
    return this.#outside().filter((row) => !row.exempt);
  }

  /** Grids outside their band that no edit can fix (a single building over the band, kept
   * whole): listed apart, no reason asked for them. */
  exempt() {
    return this.#outside().filter((row) => row.exempt);
  }

  #outside() {
    return [...this.rows.values()]
      .filter((row) => !row.within)
      .sort((a, b) => a.level.localeCompare(b.level) || a.code.localeCompare(b.code));
  }

  /** Label points as GeoJSON (one per grid; tiles would repeat a polygon's label per tile). */
  labels() {
    const features = [];
    for (const row of this.rows.values()) {
      if (!row.point) continue;
      features.push({
        type: 'Feature',
        geometry: { type: 'Point', coordinates: row.point },
        properties: { code: row.code, level: row.level, short: row.level === 'micro' ? row.code.slice(-3) : row.code },
      });
    }
    return { type: 'FeatureCollection', features };
  }
}

/** A grid's band state: 'below', 'within' or 'above'. */
export function bandState(row) {
  if (row.households < row.lo) return 'below';
  if (row.households > row.hi) return 'above';
  return 'within';
}
