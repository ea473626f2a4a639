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
  },
  en: {
    title: 'Report a problem', category: 'Category', description: 'What is wrong',
    photo: 'Photo (optional)', location: 'Location', submit: 'Send', locating: 'Finding your position…',
    located: 'Position found', noLocation: 'No position: the report is placed in this grid',
    sending: 'Sending…', sent: 'Sent, reference', tooBig: 'The photo is too large; at most', error: 'Not sent: ',
  },
};
const IN_APP_GCJ02 = /MicroMessenger|AlipayClient|DingTalk|AMapClient|amap/i;

// map.js (MapLibre) is not loaded here: a phone needs only the form.
const config = JSON.parse(document.getElementById('geogrid-config').textContent);
let lang = currentLang(config.language);
let t = translator(LABELS, lang);
const position = { lon: null, lat: null, crs: null, state: 'locating' };

function fillCategories() {
  const select = document.getElementById('category');
  select.replaceChildren();
  for (const category of config.categories) {
    const group = document.createElement('optgroup');
    group.label = `${category.code} ${category.name}`;
    for (const sub of category.subcategories) {
      group.append(new Option(`${sub.name}`, sub.code));
    }
    if (!category.subcategories.length) group.append(new Option(category.name, category.code));
    select.append(group);
  }
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
  document.getElementById('grid-name').textContent = config.grid.name;
  document.getElementById('grid-code').textContent = config.grid.code;
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

if (!config.grid) {
  // the shell opened without a grid (e.g. /maps/report): say where the real pages are
  document.body.textContent = '请扫描网格二维码 · Scan a grid\'s QR code: /report/<grid code>';
  throw new Error('no grid: open /report/<grid code>');
}
fillCategories();
paint();
languageSwitch(document.getElementById('lang'), lang, (next) => {
  lang = next;
  t = translator(LABELS, lang);
  paint();
});
const located = locate();
document.getElementById('report').addEventListener('submit', submit);
document.body.dataset.ready = 'true';
