// The planners' editor (/maps/editor?plan=<id>): a draft's basic and micro grids over buildings,
// roads and rivers, painted, split, merged, locked and rebalanced through the draft edit API.
import { api, takeKeyFromFragment } from '../common/api.js';
import { applyLabels, currentLang, languageSwitch, translator } from '../common/i18n.js';
import { createMap, pageConfig } from '../common/map.js';
import { Editor, failureText } from './edits.js';
import { addLayers, paintGrids, setData, setPainted, setSelected, showLevel, UNITS_MINZOOM } from './layers.js';
import { askReason, Panel } from './panel.js';
import { DraftServer } from './server.js';
import { GridTable } from './state.js';
import { fmt, STRINGS } from './strings.js';
import { createTools } from './tools.js';

const $ = (id) => document.getElementById(id);
takeKeyFromFragment();
const config = pageConfig();
let lang = currentLang(config.language || 'zh');
const panel = new Panel(translator(STRINGS, lang));
applyLabels(document, panel.t, lang);

// Start-up failures (no draft, a published plan, no key) said where the user looks, not only
// in the console: the status line would otherwise say "loading" for ever.
const cannotOpen = (error) => panel.status(fmt(panel.t('cannotOpen'), { detail: error?.message || String(error) }));
window.addEventListener('unhandledrejection', (event) => cannotOpen(event.reason));
window.addEventListener('error', (event) => cannotOpen(event.error || event.message));

/** The plan named by ?plan=, else the newest draft; with no draft at all (after a publish, say)
 * the status line offers to start one as a copy of the published plan, and this never returns. */
async function draftId() {
  const named = Number(new URLSearchParams(location.search).get('plan'));
  if (named) return named;
  const plans = await api('/plans');
  const drafts = plans.filter((p) => p.status === 'draft');
  if (drafts.length) return drafts[0].id;
  const published = plans.find((p) => p.status === 'published');
  panel.status(published ? fmt(panel.t('noDraftCopy'), { plan: published.id }) : panel.t('noDraft'));
  if (published) panel.offer(panel.t('newDraft'), () => startDraft(published.id));
  return new Promise(() => {}); // the page waits for the planner's choice
}

/** A new draft copied from plan `from`, opened in this page. */
async function startDraft(from) {
  try {
    const made = await api(`/plans/${from}/copy`, { method: 'POST', body: {} });
    location.search = `?plan=${made.plan_id}`;
  } catch (error) {
    panel.message('error', failureText(error, panel.t));
  }
}

const server = new DraftServer(await draftId());
const [map] = await Promise.all([createMap('map', { basemapUrl: config.basemapUrl })]);
addLayers(map, server.planId);
const table = new GridTable();
let level = 'basic';
let selected = [];
const editor = new Editor({ map, server, table, panel, onChange: refreshControls });
// usable once the grids are drawn and the panel filled; the undo / redo depth follows
await editor.reload((body) => {
  fitTo(body.grids);
  map.once('idle', () => {
    document.body.dataset.ready = String(map.queryRenderedFeatures({ layers: ['grids-fill'] }).length);
  });
});
// the units come as tiles from zoom 14 on; the page only says how many the draft has
document.body.dataset.units = String(editor.units);

const tools = createTools(map, {
  level: () => level,
  brushSize: () => Number($('brush-size').value),
  onSelect: (code, additive) => select(code, additive),
  onTarget: (code) => { $('target').value = code; },
  onPaint: (ids) => paint(ids),
  onSplit: (line) => split(line),
});

function fitTo(rows) {
  const boxes = rows.filter((r) => r.level === 'basic' && r.bbox).map((r) => r.bbox);
  if (!boxes.length) return;
  const west = Math.min(...boxes.map((b) => b[0]));
  const south = Math.min(...boxes.map((b) => b[1]));
  const east = Math.max(...boxes.map((b) => b[2]));
  const north = Math.max(...boxes.map((b) => b[3]));
  map.fitBounds([[west, south], [east, north]], { padding: 30, animate: false });
}

function select(code, additive) {
  const next = additive ? (selected.includes(code) ? selected.filter((c) => c !== code) : [...selected, code]) : [code];
  for (const c of selected) setSelected(map, level, c, false);
  for (const c of next) setSelected(map, level, c, true);
  selected = next;
  panel.selection(selected);
  refreshControls();
}

function clearSelection() {
  for (const c of selected) setSelected(map, level, c, false);
  selected = [];
  panel.selection(selected);
}

/** Moves units onto the target grid (the tools' click, brush and lasso all end here). */
function paint(ids, to = $('target').value.trim()) {
  if (!ids.length) {
    // an empty stroke is no error: at a low zoom the units are not drawn yet, say how to see them
    if (map.getZoom() < UNITS_MINZOOM) panel.message('info', fmt(panel.t('zoomIn'), { zoom: UNITS_MINZOOM }));
    return Promise.resolve(null);
  }
  if (!to) {
    setPainted(map, ids, false);
    panel.message('error', panel.t('noTarget'));
    return Promise.resolve(null);
  }
  setPainted(map, ids, true);
  return editor.write('edit', () => server.edit({ op: 'move', units: ids, to }), { painted: ids });
}

function split(line) {
  if (selected.length !== 1) {
    panel.message('error', panel.t('splitPick'));
    return Promise.resolve(null);
  }
  const grid = selected[0];
  clearSelection();
  return editor.write('edit', () => server.edit({ op: 'split', grid, line }));
}

function onSelection(op, extra = {}) {
  if (!selected.length) {
    panel.message('error', panel.t('noSelection'));
    return;
  }
  if (op === 'merge' && selected.length < 2) {
    panel.message('error', panel.t('needTwo'));
    return;
  }
  const grids = [...selected];
  if (op !== 'lock') clearSelection();
  editor.write('edit', () => server.edit({ op, grids, ...extra }));
}

async function publish() {
  const out = table.outOfBand().length;
  let reason = null;
  if (out) {
    reason = await askReason(fmt(panel.t('reason'), { n: out }));
    if (!reason) return;
  }
  try {
    const result = await server.publish(reason);
    editor.status = 'published';
    panel.message('info', fmt(panel.t('published'), { plan: result.plan_id }));
    document.body.dataset.published = String(result.plan_id);
  } catch (error) {
    await editor.report(error);
  }
  refreshControls();
}

async function showDiff() {
  if (document.body.dataset.diff) {
    delete document.body.dataset.diff;
    panel.clearDiff();
    setData(map, 'diff', { type: 'FeatureCollection', features: [] });
    return;
  }
  if (!editor.published || editor.published === server.planId) {
    panel.message('error', panel.t('noPublished'));
    return;
  }
  const { summary, areas } = await server.diff(editor.published);
  panel.diff(editor.published, summary);
  setData(map, 'diff', areas);
  document.body.dataset.diff = String(areas.features.length);
}

function refreshControls() {
  const draft = editor.status === 'draft';
  $('undo').disabled = !draft || editor.depth.undo <= 0;
  $('redo').disabled = !draft || editor.depth.redo <= 0;
  for (const id of ['merge', 'lock', 'unlock', 'rebalance']) $(id).disabled = !draft || !selected.length;
  $('publish').disabled = !draft;
  panel.status(fmt(panel.t('ready'), { plan: server.planId, version: server.version }) + (draft ? '' : ` · ${panel.t(`state_${editor.status}`)}`));
}

function useLevel(next) {
  clearSelection();
  level = next;
  showLevel(map, level);
  for (const b of document.querySelectorAll('#levels button')) b.setAttribute('aria-pressed', String(b.dataset.level === level));
}

function useTool(name) {
  tools.use(name);
  for (const b of document.querySelectorAll('#tools button')) b.setAttribute('aria-pressed', String(b.dataset.tool === name));
}

for (const b of document.querySelectorAll('#levels button')) b.addEventListener('click', () => useLevel(b.dataset.level));
for (const b of document.querySelectorAll('#tools button')) b.addEventListener('click', () => useTool(b.dataset.tool));
$('merge').addEventListener('click', () => onSelection('merge'));
$('lock').addEventListener('click', () => onSelection('lock', { locked: true }));
$('unlock').addEventListener('click', () => onSelection('lock', { locked: false }));
$('rebalance').addEventListener('click', () => onSelection('rebalance'));
$('undo').addEventListener('click', () => editor.write('undo', () => server.undo()));
$('redo').addEventListener('click', () => editor.write('redo', () => server.redo()));
$('publish').addEventListener('click', publish);
$('diff').addEventListener('click', () => showDiff().catch((error) => editor.report(error)));
document.addEventListener('keydown', (event) => {
  if (!(event.ctrlKey || event.metaKey) || event.target.tagName === 'INPUT') return;
  if (event.key === 'z' && !$('undo').disabled) editor.write('undo', () => server.undo());
  if (event.key === 'y' && !$('redo').disabled) editor.write('redo', () => server.redo());
});
languageSwitch($('lang'), lang, (next) => {
  lang = next;
  panel.t = translator(STRINGS, lang);
  applyLabels(document, panel.t, lang);
  panel.outOfBand(table.outOfBand(), (row) => editor.jump(row), table.exempt());
  refreshControls();
});

useLevel('basic');
useTool('select');
paintGrids(map, [...table.rows.values()]);
// For the browser tests and the benchmark: the live objects and the paint path the tools use.
window.geogridEditor = { map, server, table, editor, paint, select };
