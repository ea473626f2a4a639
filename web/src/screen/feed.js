// The live feed: server-sent events from /incidents/feed read through fetch (so the API key
// travels as a header, which EventSource cannot send), resumed after the last event id when
// the connection drops. New incidents go on top; the list keeps the latest few.
import { apiKey } from '../common/api.js';

const KEEP = 30;

/** Parse one SSE block ("id: ..\nevent: ..\ndata: ..") into {id, event, data}. */
function parseBlock(block) {
  const out = { data: '' };
  for (const line of block.split('\n')) {
    const at = line.indexOf(':');
    if (at <= 0) continue;
    const field = line.slice(0, at);
    const value = line.slice(at + 1).replace(/^ /, '');
    if (field === 'data') out.data += value;
    else out[field] = value;
  }
  return out;
}

/** Follow the feed forever, calling `onEvent(event)`; `onState('live' | 'reconnecting')`. */
export async function follow({ onEvent, onState }) {
  let last = null;
  for (;;) {
    try {
      const headers = { Accept: 'text/event-stream' };
      if (apiKey()) headers['X-API-Key'] = apiKey();
      if (last !== null) headers['Last-Event-ID'] = last;
      const response = await fetch('/incidents/feed', { headers });
      if (!response.ok) throw new Error(`feed: HTTP ${response.status}`);
      onState('live');
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value.replace(/\r\n/g, '\n');
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = parseBlock(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          if (block.event === 'incident' && block.data) {
            last = block.id;
            onEvent(JSON.parse(block.data));
          }
        }
      }
    } catch {
      // the server restarted or the network blinked: say so and resume after `last`
    }
    onState('reconnecting');
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** One feed row: time, action, ref, category, place. */
export function feedRow(event, { t, place, category }) {
  const li = document.createElement('li');
  li.dataset.ref = event.ref;
  li.event = event; // kept to write the row again in another language
  li.className = event.overdue ? 'overdue' : '';
  const time = event.at ? new Date(event.at).toLocaleTimeString('zh-CN', { hour12: false, timeZone: 'Asia/Shanghai' }) : '';
  li.innerHTML = '<span class="time"></span><span class="action"></span><span class="ref"></span><span class="what"></span><span class="where"></span>';
  li.querySelector('.time').textContent = time;
  li.querySelector('.action').textContent = t(`action_${event.action}`);
  li.querySelector('.ref').textContent = event.ref;
  li.querySelector('.what').textContent = category(event);
  li.querySelector('.where').textContent = event.basic_code ? place(event.basic_code) : t('outside');
  return li;
}

/** Put `row` on top of the list `node`, keeping the latest KEEP. */
export function prepend(node, row) {
  node.querySelector('.empty')?.remove();
  node.prepend(row);
  row.classList.add('new');
  setTimeout(() => row.classList.remove('new'), 2500);
  while (node.children.length > KEEP) node.lastElementChild.remove();
}
