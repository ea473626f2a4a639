// Calls to the draft edit API (README "Plans over HTTP"): every write carries If-Match with the
// version this page last saw, so a stale page gets 409 with what changed instead of overwriting.
import { api } from '../common/api.js';

export class DraftServer {
  constructor(planId) {
    this.planId = planId;
    this.version = null;
  }

  get etag() {
    return `"${this.planId}.${this.version}"`;
  }

  /** Draft summary: version, undo / redo depth, locks, out-of-band count. */
  async summary() {
    const body = await api(`/plans/${this.planId}/draft`);
    this.version = body.version;
    return body;
  }

  /** Every basic and micro grid with its band, lock, bbox and label point; the published id. */
  async grids() {
    return api(`/plans/${this.planId}/draft/grids`);
  }

  /** One edit (`{op: 'move', units, to}` ...); resolves with the touched grids' statistics. */
  async edit(op) {
    return this.#write(`/plans/${this.planId}/edits`, op);
  }

  async undo() {
    return this.#write(`/plans/${this.planId}/undo`);
  }

  async redo() {
    return this.#write(`/plans/${this.planId}/redo`);
  }

  async publish(reason) {
    return api(`/plans/${this.planId}/publish`, {
      method: 'POST', body: { reason: reason || null }, headers: { 'If-Match': this.etag },
    });
  }

  /** The changes from plan `from` to this draft: summary JSON and changed areas as GeoJSON. */
  async diff(from) {
    const path = `/plans/${from}/diff/${this.planId}`;
    const [summary, areas] = await Promise.all([api(path), api(`${path}?format=geojson`)]);
    return { summary, areas };
  }

  async #write(path, body) {
    const result = await api(path, { method: 'POST', body, headers: { 'If-Match': this.etag } });
    this.version = result.version;
    return result;
  }
}
