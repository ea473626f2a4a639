// The side panel: messages, the touched grids' statistics and checks, the grids out of band (to
// jump to), the selection and the diff summary. Plain DOM; every text goes through `t`.
import { fmt } from './strings.js';
import { bandState } from './state.js';

const $ = (id) => document.getElementById(id);

function cell(tag, text, className) {
  const node = document.createElement(tag);
  node.textContent = text;
  if (className) node.className = className;
  return node;
}

/** Sort key of the out-of-band list: basic grids first, then by code. */
function outKey(row) {
  return `${row.level === 'basic' ? 0 : 1}${row.code}`;
}

export class Panel {
  constructor(t) {
    this.t = t;
  }

  status(text) {
    $('status').textContent = text;
  }

  /** A button after the status line that runs `action` once. */
  offer(label, action) {
    const button = document.createElement('button');
    button.id = 'offer';
    button.textContent = label;
    button.addEventListener('click', () => { button.disabled = true; action(); }, { once: true });
    $('status').append(' ', button);
  }

  /** kind: 'info', 'error' or 'conflict' (null hides it). */
  message(kind, text) {
    const box = $('message');
    box.className = kind || '';
    box.textContent = kind ? text : '';
  }

  /** The touched grids of the last edit: households ... compactness, with the band check. */
  touched(grids) {
    const { t } = this;
    const box = $('touched');
    box.replaceChildren();
    if (!grids.length) {
      box.textContent = '—';
      return;
    }
    const table = document.createElement('table');
    const head = document.createElement('tr');
    for (const key of ['code', 'households', 'residents', 'buildings', 'incidents', 'band', 'connected', 'compactness']) head.append(cell('th', t(key)));
    table.append(head);
    for (const g of grids) {
      const row = document.createElement('tr');
      row.dataset.code = g.code;
      const state = g.households < g.band.lo ? 'below' : g.households > g.band.hi ? 'above' : 'within';
      row.append(
        cell('td', g.code),
        cell('td', String(g.households), state),
        cell('td', String(g.residents)),
        cell('td', String(g.buildings)),
        cell('td', String(g.incidents)),
        cell('td', `${g.band.lo}–${g.band.hi} ${t(state)}`, state),
        cell('td', g.parts === 1 ? t('yes') : fmt(t('pieces'), { n: g.parts })),
        cell('td', g.compactness.toFixed(3)),
      );
      table.append(row);
    }
    box.append(table);
  }

  /** Every grid out of band, and apart the exempt ones (no edit can fix them, each with why),
   * each with a button that jumps the map to it (`rows`, `exempt` sorted). */
  outOfBand(rows, onJump, exempt = []) {
    this.onJump = onJump;
    $('out-of-band').replaceChildren(...rows.map((row) => this.#outItem(row)));
    $('exempt').replaceChildren(...exempt.map((row) => this.#outItem(row)));
    this.#outCount();
  }

  /** After an edit: only the touched grids' entries change (a district has thousands). */
  updateOutOfBand(rows, removed = []) {
    const lists = [$('out-of-band'), $('exempt')];
    for (const code of [...removed, ...rows.map((r) => r.code)]) {
      for (const list of lists) list.querySelector(`li[data-code="${code}"]`)?.remove();
    }
    for (const row of rows) {
      if (row.within) continue;
      const list = row.exempt ? lists[1] : lists[0];
      const key = outKey(row);
      const next = [...list.children].find((item) => item.dataset.key > key);
      list.insertBefore(this.#outItem(row), next || null);
    }
    this.#outCount();
  }

  #outCount() {
    for (const [id, count] of [['out-of-band', 'out-count'], ['exempt', 'exempt-count']]) {
      const list = $(id);
      list.querySelector('li.none')?.remove();
      $(count).textContent = String(list.children.length);
      if (!list.children.length) list.append(cell('li', this.t('none'), 'none'));
    }
  }

  #outItem(row) {
    const { t } = this;
    const item = document.createElement('li');
    item.dataset.code = row.code;
    item.dataset.key = outKey(row);
    const state = bandState(row);
    item.append(
      cell('span', `${row.code} (${t(row.level)}): ${row.households} `),
      cell('span', `${t(state)} ${row.lo}–${row.hi} `, state),
    );
    if (row.exempt) item.append(cell('span', `(${t(row.exempt)}) `, 'reason'));
    const jump = cell('button', t('jump'));
    jump.type = 'button';
    jump.disabled = !row.bbox;
    jump.addEventListener('click', () => this.onJump(row));
    item.append(jump);
    return item;
  }

  selection(codes) {
    $('selection').textContent = codes.length ? codes.join(', ') : '—';
  }

  /** Counts per level of grids added, removed, reshaped, recoded and households moved. */
  diff(published, summary) {
    const { t } = this;
    const box = $('diff-view');
    box.replaceChildren(cell('h2', fmt(t('diffTitle'), { plan: published })));
    const table = document.createElement('table');
    const head = document.createElement('tr');
    for (const key of ['level', 'added', 'removed', 'changed', 'recoded', 'moved']) head.append(cell('th', t(key)));
    table.append(head);
    for (const [level, s] of Object.entries(summary.levels)) {
      const row = document.createElement('tr');
      row.dataset.level = level;
      const count = (value) => String(Array.isArray(value) ? value.length : value ?? 0);
      row.append(cell('td', t(level)), cell('td', count(s.added)), cell('td', count(s.removed)), cell('td', count(s.changed)), cell('td', count(s.recoded)), cell('td', String(s.households_moved ?? 0)));
      table.append(row);
    }
    box.append(table);
  }

  clearDiff() {
    $('diff-view').replaceChildren();
  }
}

/** Asks why grids out of band are accepted; resolves with the reason, or null when cancelled. */
export function askReason(question) {
  const dialog = $('reason-dialog');
  $('reason-question').textContent = question;
  $('reason-text').value = '';
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      const reason = $('reason-text').value.trim();
      resolve(dialog.returnValue === 'ok' && reason ? reason : null);
    }, { once: true });
  });
}
