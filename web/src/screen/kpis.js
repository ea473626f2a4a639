// The KPI tiles: today's reported, closed and overdue, the year's settlement and on-time rates.
import { count, percent } from './i18n.js';

export const TILES = [
  { key: 'reported', label: 'kpiReported', value: (k) => count(k.today.reported) },
  { key: 'closed', label: 'kpiClosed', value: (k) => count(k.today.closed) },
  { key: 'overdue', label: 'kpiOverdue', value: (k) => count(k.today.overdue), alarm: (k) => k.today.overdue > 0 },
  { key: 'settlement', label: 'kpiSettlement', value: (k) => percent(k.year.settlement_rate) },
  { key: 'on-time', label: 'kpiOnTime', value: (k) => percent(k.year.on_time_rate) },
];

/** Build the tiles once (labels carry data-i18n so the language switch renames them). */
export function buildKpis(node) {
  node.replaceChildren(
    ...TILES.map((tile) => {
      const box = document.createElement('div');
      box.className = 'kpi';
      box.dataset.kpi = tile.key;
      box.innerHTML = `<div class="kpi-value">—</div><div class="kpi-label" data-i18n="${tile.label}"></div>`;
      return box;
    }),
  );
}

/** Write the numbers of a `/incidents/kpis` answer into the tiles. */
export function renderKpis(node, kpis) {
  for (const tile of TILES) {
    const box = node.querySelector(`[data-kpi="${tile.key}"]`);
    box.querySelector('.kpi-value').textContent = tile.value(kpis);
    box.classList.toggle('alarm', Boolean(tile.alarm?.(kpis)));
  }
}
