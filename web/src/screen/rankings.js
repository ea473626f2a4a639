// The red and black lists (areas one level down, departments): the best rows in red, the worst
// in black, as the API ranks them by overdue and rework per accepted incident.
import { percent, count } from './i18n.js';

/** Fill `node` (a <tbody>) with ranked rows; `name(key)` turns codes into names. */
export function renderRanking(node, rows, { name = (key) => key, t, pick } = {}) {
  const listed = rows.filter((row) => row.list);
  const shown = listed.length ? listed : rows.slice(0, 6);
  node.replaceChildren(
    ...shown.map((row) => {
      const tr = document.createElement('tr');
      tr.className = row.list || '';
      tr.dataset.key = row.key;
      const badge = row.list ? `<span class="badge ${row.list}">${t(row.list)}</span>` : '';
      tr.innerHTML = `<td class="num">${row.rank}</td><td class="name">${badge}<span class="label"></span></td>`
        + `<td class="num">${percent(row.settlement_rate)}</td><td class="num">${count(row.overdue)}</td>`;
      tr.querySelector(".name .label").textContent = name(String(row.key));
      if (pick) tr.addEventListener('click', () => pick(String(row.key)));
      return tr;
    }),
  );
  if (!shown.length) node.innerHTML = `<tr><td colspan="4" class="empty">${t('noData')}</td></tr>`;
}
