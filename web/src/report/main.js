// The residents' report page of one grid (reached from its QR code): category, description,
// photo and the phone's position, sent as a form to POST /report/{code}/incidents (no key).
// In-app browsers of Chinese apps report GCJ-02 positions; others the server's setting.
import { applyLabels, currentLang, languageSwitch, translator } from '../common/i18n.js';

const LABELS = {
  zh: {
    title: '问题上报', category: '类别', description: '问题描述', photo: '照片（可选）',
    location: '位置', submit: '提交', locating: '正在获取位置…',
    located: '已获取位置', noLocation: '无法获取位置：将按本网格位置上报',
    sending: '正在提交…', sent: '已提交，编号', tooBig: '照片太大，最多', error: '提交失败：',
    grid: '网格', micro: '微网格',
    unknownTitle: '未找到该网格', unknownCode: '二维码上的网格编号', unknownNot: '不是现行的网格。',
    unknownRetired: '该网格已调整或合并，这张二维码已经停用。', unknownCommunity: '所在社区：',
    unknownCall: '如需反映问题，请拨打', unknownOr: '，或联系所在社区居委会。',
  },
  en: {
    title: 'Report a problem', category: 'Category', description: 'What is wrong',
    photo: 'Photo (optional)', location: 'Location', submit: 'Send', locating: 'Finding your position…',
    located: 'Position found', noLocation: 'No position: the report is placed in this grid',
    sending: 'Sending…', sent: 'Sent, reference', tooBig: 'The photo is too large; at most', error: 'Not sent: ',
    grid: 'grid', micro: 'micro grid',
    unknownTitle: 'Grid not found', unknownCode: 'This QR code\'s grid code', unknownNot: 'is not a grid in use.',
    unknownRetired: 'The grid has been redrawn or merged; this QR code is no longer used.', unknownCommunity: 'Community: ',
    unknownCall: 'To report a problem, call', unknownOr: ', or contact your residents\' committee.',
  },
};
const IN_APP_GCJ02 = /MicroMessenger|AlipayClient|DingTalk|AMapClient|amap/i;

// map.js (MapLibre) is not loaded here: a phone needs only the form.
const config = JSON.parse(document.getElementById('geogrid-config').textContent);
let lang = currentLang(config.language);
let t = translator(LABELS, lang);
const position = { lon: null, lat: null, crs: null, state: 'locating' };

/** A category's name in the page's language: English where the list gives one. */
function named(entry) {
  return lang === 'en' && entry.name_en ? entry.name_en : entry.name;
}

/** The category list in the page's language; the resident's choice is kept across a switch. */
function fillCategories() {
  const select = document.getElementById('category');
  const chosen = select.value;
  select.replaceChildren();
  for (const category of config.categories) {
    const group = document.createElement('optgroup');
    group.label = `${category.code} ${named(category)}`;
    for (const sub of category.subcategories) {
      group.append(new Option(named(sub), sub.code));
    }
    if (!category.subcategories.length) group.append(new Option(named(category), category.code));
    select.append(group);
  }
  if (chosen) select.value = chosen;
}

/** '中韩社区居民委员会 网格 001' in Chinese, '中韩社区居民委员会 grid 001' in English (the
 * community's stored name has no English); micro grids add their own number. */
function gridLabel(grid) {
  if (!grid.community) return grid.name;
  const micro = grid.micro ? ` ${t('micro')} ${grid.micro}` : '';
  return `${grid.community} ${t('grid')} ${grid.basic}${micro}`;
}

function showLocation() {
  const box = document.getElementById('location');
  if (position.state === 'located') {
    box.textContent = `${t('located')}: ${position.lon.toFixed(6)}, ${position.lat.toFixed(6)} (${position.crs === 'gcj02' ? 'GCJ-02' : 'WGS 84'})`;
  } else {
    box.textContent = t(position.state === 'locating' ? 'locating' : 'noLocation');
  }
}

function locate() {
  return new Promise((resolve) => {
    if (!navigator.geolocation) { position.state = 'none'; resolve(); return; }
    navigator.geolocation.getCurrentPosition(
      (found) => {
        position.lon = found.coords.longitude;
        position.lat = found.coords.latitude;
        position.crs = IN_APP_GCJ02.test(navigator.userAgent) ? 'gcj02' : config.locationCrs;
        position.state = 'located';
        resolve();
      },
      () => { position.state = 'none'; resolve(); },
      { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 },
    );
  }).then(showLocation);
}

function paint() {
  applyLabels(document, t, lang);
  document.getElementById('grid-name').textContent = gridLabel(config.grid);
  document.getElementById('grid-code').textContent = config.grid.code;
  fillCategories();
  showLocation();
}

async function submit(event) {
  event.preventDefault();
  const form = event.target;
  const button = form.querySelector('button[type=submit]');
  const result = document.getElementById('result');
  const photo = form.photo.files[0];
  if (photo && photo.size > config.maxPhotoBytes) {
    result.className = 'error';
    result.textContent = `${t('tooBig')} ${(config.maxPhotoBytes / 1e6).toFixed(0)} MB`;
    return;
  }
  button.disabled = true;
  button.textContent = t('sending');
  await located;
  const body = new FormData();
  body.append('category', form.category.value);
  body.append('description', form.description.value);
  if (position.state === 'located') {
    body.append('lon', String(position.lon));
    body.append('lat', String(position.lat));
    body.append('crs', position.crs);
  }
  if (photo) body.append('photo', photo);
  try {
    const response = await fetch(`/report/${encodeURIComponent(config.grid.code)}/incidents`, { method: 'POST', body });
    const data = await response.json();
    if (!response.ok) throw new Error(data.detail || data.title || `HTTP ${response.status}`);
    result.className = 'ok';
    result.textContent = `${t('sent')} ${data.ref}`;
    result.dataset.ref = data.ref;
    form.reset();
  } catch (error) {
    result.className = 'error';
    result.textContent = `${t('error')}${error.message}`;
  } finally {
    button.disabled = false;
    button.textContent = t('submit');
  }
}

/** The page of a code that is not a grid in use (404): no form, the code, whether it was a
 * grid once, and whom to call; in Chinese with the English switch. */
function paintUnknown() {
  const { code, retired, community, contact } = config.unknown;
  applyLabels(document, t, lang);
  document.getElementById('report').hidden = true;
  document.getElementById('grid-name').textContent = t('unknownTitle');
  document.getElementById('grid-code').textContent = code;
  const box = document.getElementById('unknown');
  const line = (text) => Object.assign(document.createElement('p'), { textContent: text });
  const lines = [line(`${t('unknownCode')} ${code} ${t('unknownNot')}`)];
  if (retired) lines.push(line(t('unknownRetired')));
  if (community) lines.push(line(`${t('unknownCommunity')}${community}`));
  const call = line(`${t('unknownCall')} `);
  call.append(Object.assign(document.createElement('a'), { href: `tel:${contact.replace(/[^0-9+]/g, '')}`, textContent: contact }), t('unknownOr'));
  lines.push(call);
  box.replaceChildren(...lines);
  box.hidden = false;
}

if (!config.unknown && !config.grid) {
  // the shell opened without a grid (e.g. /maps/report): say where the real pages are
  document.body.textContent = '请扫描网格二维码 · Scan a grid\'s QR code: /report/<grid code>';
  throw new Error('no grid: open /report/<grid code>');
}
const repaint = config.unknown ? paintUnknown : paint;
repaint();
languageSwitch(document.getElementById('lang'), lang, (next) => {
  lang = next;
  t = translator(LABELS, lang);
  repaint();
});
let located = null; // the phone's position, asked for once the form is shown
if (!config.unknown) {
  located = locate();
  document.getElementById('report').addEventListener('submit', submit);
}
document.body.dataset.ready = 'true';
