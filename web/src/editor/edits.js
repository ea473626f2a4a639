// One write to the draft and what follows it: the grid table and map colours updated from the
// answer, the panel redrawn, the tiles of the new version requested; a refusal (422) or a stale
// version (409 with the other planner's changes) shown as a clear message, never swallowed.
import { ApiError } from '../common/api.js';
import { markChanged, paintGrids, refreshGrids, setData, setPainted } from './layers.js';
import { fmt } from './strings.js';

/** What a refused or failed request says: for want of a key (401, 403), how to get one. */
export function failureText(error, t) {
  const keyless = error.status === 401 || error.status === 403;
  return fmt(t(keyless ? 'needKey' : 'failed'), { detail: error.message });
}

export class Editor {
  constructor({ map, server, table, panel, onChange }) {
    Object.assign(this, { map, server, table, panel, onChange });
    this.depth = { undo: 0, redo: 0 };
    this.lastTiming = null;
    this.refreshTimer = null;
  }

  get t() {
    return this.panel.t;
  }

  /** Runs `call` (a server write); `painted` units are cleared once the outcome is drawn. */
  async write(kind, call, { painted = [] } = {}) {
    const started = performance.now();
    try {
      const result = await call();
      const answered = performance.now();
      this.#accepted(kind, result);
      this.lastTiming = { requestMs: answered - started, pageMs: performance.now() - answered };
      document.body.dataset.version = String(result.version);
      // painted units keep their colour until the new grid tiles are drawn (or 2 s at most)
      const clear = () => setPainted(this.map, painted, false);
      this.map.once('idle', clear);
      setTimeout(clear, 2000);
      return result;
    } catch (error) {
      setPainted(this.map, painted, false);
      await this.report(error);
      return null;
    } finally {
      this.onChange();
    }
  }

  #accepted(kind, result) {
    const { t, table } = this;
    if (result.unchanged) {
      // nothing was written: no new version, no undo step, nothing to redraw
      this.panel.message('info', t('unchanged'));
      return;
    }
    table.applyEdit(result);
    paintGrids(this.map, result.grids.map((g) => table.get(g.code)).filter(Boolean));
    this.panel.touched(result.grids);
    const codes = new Set(result.grids.map((g) => g.code));
    this.panel.updateOutOfBand([...codes].map((code) => table.get(code)).filter(Boolean), [...result.removed, ...(result.recoded || []).map(([old]) => old)]);
    const flags = result.flags?.length ? `\n${result.flags.join('\n')}` : '';
    const saved = result.moved_units ? 'savedMoved' : 'saved';
    this.panel.message('info', fmt(t(saved), { version: result.version, units: result.moved_units }) + flags);
    this.#refreshTiles(result.version);
    if (kind === 'undo') this.depth = { undo: this.depth.undo - 1, redo: this.depth.redo + 1 };
    else if (kind === 'redo') this.depth = { undo: this.depth.undo + 1, redo: this.depth.redo - 1 };
    else this.depth = { undo: this.depth.undo + 1, redo: 0 };
    // Added, removed or recoded grids need their boxes and label points: read the table again.
    if (result.removed.length || result.recoded.length || result.grids.some((g) => !table.get(g.code)?.point)) {
      this.reload().catch((error) => this.report(error));
    }
  }

  /** New grid tiles a moment after the edit (colours are already right from feature-state), so a
   * burst of edits (undo, redo, brush strokes) asks for the tiles once. */
  #refreshTiles(version) {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => refreshGrids(this.map, this.server.planId, version), 150);
  }

  async report(error) {
    const { t } = this;
    if (!(error instanceof ApiError)) {
      this.panel.message('error', failureText(error, t));
      return;
    }
    const problem = error.problem || {};
    if (error.status === 409 && Array.isArray(problem.changes)) {
      const changes = problem.changes;
      const actors = [...new Set(changes.map((c) => c.actor))].join(', ') || '?';
      const grids = [...new Set(changes.flatMap((c) => c.touched || []))];
      // a publish refused as stale names no changes: say so without a list of none
      const text = changes.length ? fmt(t('stale'), { actor: actors, n: changes.length, grids: grids.join(', ') || '—' }) : t('staleUnlisted');
      this.panel.message('conflict', text);
      await this.reload();
      markChanged(this.map, grids.map((code) => this.table.get(code)).filter(Boolean));
      return;
    }
    if (error.status === 422 && problem.check) {
      this.panel.message('error', fmt(t('refused'), { check: t(`check.${problem.check}`), detail: error.message }));
      return;
    }
    this.panel.message('error', failureText(error, t));
  }

  /** Reads the draft again (version, grids, bands) and redraws: after a conflict or a split.
   * The grids and the panel are drawn as soon as the grid table arrives (`onGrids(body)` is
   * called then); the summary (undo / redo depth) needs the server's draft in memory, which
   * takes seconds the first time for a large draft, and follows. */
  async reload(onGrids = () => {}) {
    const summarised = this.server.summary();
    summarised.catch(() => {}); // reported below, once awaited
    const body = await this.server.grids();
    this.published = body.published;
    this.status = body.status;
    this.table.replace(body.grids);
    paintGrids(this.map, [...this.table.rows.values()]);
    setData(this.map, 'labels', this.table.labels());
    this.panel.outOfBand(this.table.outOfBand(), (row) => this.jump(row), this.table.exempt());
    onGrids(body);
    const summary = await summarised;
    this.depth = { undo: summary.undo, redo: summary.redo };
    this.units = summary.units;
    refreshGrids(this.map, this.server.planId, summary.version);
    document.body.dataset.version = String(summary.version);
    this.onChange();
    return body;
  }

  jump(row) {
    if (!row.bbox) return;
    const [west, south, east, north] = row.bbox;
    this.map.fitBounds([[west, south], [east, north]], { padding: 60, maxZoom: 17, animate: false });
  }
}
