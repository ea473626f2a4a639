// The command-centre big screen (/maps/screen): a dark, full-screen page for 1920x1080 and
// 3840x2160 walls. It wires the modules together: the map (map.js), KPI tiles (kpis.js),
// charts (charts.js), red and black lists (rankings.js), the live feed (feed.js) and the
// drill-down (drill.js), in Chinese with an English switch (i18n.js).
//
// URL parameters: `?area=CODE` starts at a street, community or grid; `?as_of=ISO` reports on
// another moment (a replayed day); `?measure=` picks the map colouring; `#key=` an API key.
import { api, takeKeyFromFragment } from '../common/api.js';
import { applyLabels, currentLang, languageSwitch } from '../common/i18n.js';
import { pageConfig } from '../common/map.js';
import { Areas, childOf, levelOf, rankingBy, renderBreadcrumb } from './drill.js';
import { feedRow, follow, prepend } from './feed.js';
import { words } from './i18n.js';
import { buildKpis, renderKpis } from './kpis.js';
import { MEASURES, ScreenMap } from './map.js';
import { renderRanking } from './rankings.js';
import './screen.css';

const started = performance.now();
takeKeyFromFragment();
const config = pageConfig();
const params = new URLSearchParams(location.search);
const asOf = params.get('as_of') || config.asOf || null; // the server's screen_as_of: a past year's data
const $ = (id) => document.getElementById(id);
const state = { lang: currentLang(config.language || 'zh'), area: '', measure: params.get('measure') || 'incidents', kpis: null, ranking: [] };
let t = words(state.lang);

function query(extra) {
  const search = new URLSearchParams(extra);
  if (asOf) search.set('as_of', asOf);
  return search.toString();
}

/** The calendar year (Beijing) up to `as_of` or now, as naive Beijing times for the API. */
function yearWindow() {
  // `as_of` as given is Beijing time already; Beijing has no daylight saving time
  const year = asOf ? asOf.slice(0, 4) : new Date(Date.now() + 8 * 3600e3).getUTCFullYear();
  return { start: `${year}-01-01T00:00:00`, end: asOf || undefined };
}

/** The KPI and ranking answers of `area` (a district code: '' until the areas are known). */
function fetchPanels(area) {
  const district = !area || levelOf(area) === 'district';
  const code = district ? {} : { code: area };
  const { start, end } = yearWindow();
  const by = district ? 'street' : rankingBy(area);
  const rankingQuery = new URLSearchParams({ by, top: '5', start, ...code });
  if (end) rankingQuery.set('end', end);
  if (asOf) rankingQuery.set('as_of', asOf);
  return Promise.all([
    api(`/incidents/kpis?${query(code)}`),
    by === 'street' ? null : api(`/incidents/ranking?${rankingQuery}`),
  ]);
}

// The first answers are asked for at once, while the map and the areas load (the KPIs of a
// year of incidents are the slowest request of a cold server).
let early = fetchPanels(params.get('area') || '');
early.then(() => performance.mark('screen:kpis')).catch(() => {});

/** Every panel for the current area: KPIs, trend, categories, both red and black lists. */
async function loadPanels() {
  const area = state.area;
  const pending = early && (params.get('area') || areas.home(config.district)) === area ? early : fetchPanels(area);
  early = null;
  const [[kpis, ranking]] = await Promise.all([pending, chartsLoaded]);
  if (area !== state.area) return false; // the user drilled on meanwhile
  state.kpis = kpis;
  state.ranking = ranking ? ranking.rows : kpis.streets;
  paintPanels();
  return true;
}

/** The 30 days up to `asOfIso` (Beijing), each with its row or zeros: quiet days show too. */
function everyDay(rows, asOfIso) {
  const byDay = new Map(rows.map((row) => [row.period, row]));
  const end = new Date(new Date(asOfIso).getTime() + 8 * 3600e3);
  return Array.from({ length: 30 }, (_, k) => {
    const day = new Date(end.getTime() - (29 - k) * 86400e3).toISOString().slice(0, 10);
    return byDay.get(day) || { period: day, reported: 0, closed: 0, on_time: 0 };
  });
}

/** A street or community by name; a grid as its community's name and its own number. */
function placeName(code) {
  if (levelOf(code) !== 'grid') return areas.name(code);
  return `${areas.name(code.slice(0, 12))} ${code.slice(12)}`;
}

function paintPanels() {
  const { kpis } = state;
  if (!kpis) return;
  renderKpis($('kpis'), kpis);
  charts?.renderTrend(everyDay(kpis.trends.day, kpis.as_of), t);
  charts?.renderCategories(kpis.top_categories, state.lang);
  const level = levelOf(state.area);
  $('area-ranking-title').textContent = t(level === 'district' ? 'areaRanking' : `areaRanking_${level}`);
  renderRanking($('area-ranking'), state.ranking, { name: placeName, t, pick: level === 'grid' ? null : (key) => go(key) });
  renderRanking($('dept-ranking'), kpis.departments, { t });
  $('as-of').textContent = `${t('asOf')} ${new Date(kpis.as_of).toLocaleString(state.lang === 'en' ? 'en-GB' : 'zh-CN', { timeZone: 'Asia/Shanghai', hour12: false })}`;
}

/** Drill to area `code` (district, street, community or grid): map and panels follow. */
async function go(code) {
  state.area = code;
  const url = new URL(location.href);
  if (levelOf(code) === 'district') url.searchParams.delete('area');
  else url.searchParams.set('area', code);
  history.replaceState(null, '', url);
  renderBreadcrumb($('crumbs'), code, areas, t, go);
  delete document.body.dataset.area;
  const box = await areas.box(code);
  const outline = areas.byCode.get(code)?.feature;
  const outlines = { type: 'FeatureCollection', features: [] };
  for (const f of areas.streets) outlines.features.push({ ...f, properties: { colour: '#6fb7ff', width: 2 } });
  if (levelOf(code) !== 'district') for (const f of areas.communities.filter((c) => String(c.properties.code).startsWith(code.slice(0, 9)))) outlines.features.push({ ...f, properties: { colour: '#4a6c8f', width: 1 } });
  if (outline && levelOf(code) !== 'district') outlines.features.push({ ...outline, properties: { colour: '#ffd166', width: 4 } });
  await Promise.all([
    screenMap.focus(code, { box, outlines, labels: areas.labels(code) }).then(() => performance.mark('screen:map-idle')),
    loadPanels().then(() => performance.mark('screen:panels')),
  ]);
  if (state.area === code) document.body.dataset.area = code; // map and panels show `code`
}

/** The event's sub-category (or category) by name in the page's language; the code if unknown. */
function categoryName(event) {
  const code = event.subcategory_code || event.category_code || '';
  const names = (config.categories || {})[code];
  return names ? names[state.lang === 'en' ? 1 : 0] : code;
}

/** Rows already in the feed, written again in the page's language. */
function relabelFeed() {
  for (const li of [...$('feed').children]) {
    if (li.event) li.replaceWith(feedRow(li.event, { t, place: placeName, category: categoryName }));
  }
}

function startFeed() {
  let refresh = null;
  follow({
    onEvent: (event) => {
      if (event.basic_code && !event.basic_code.startsWith(state.area)) return;
      if (!event.basic_code && levelOf(state.area) !== 'district') return;
      prepend($('feed'), feedRow(event, { t, place: placeName, category: categoryName }));
      screenMap.flash(event);
      clearTimeout(refresh);
      refresh = setTimeout(() => loadPanels().catch(showError), 5000); // KPIs move with the feed
    },
    onState: (mode) => {
      $('feed-state').dataset.state = mode;
      paintFeedState();
      document.body.dataset.feed = mode;
    },
  });
}

function paintFeedState() {
  const mode = $('feed-state').dataset.state;
  $('feed-state').textContent = mode ? t(mode === 'live' ? 'live' : 'reconnecting') : '';
}

function showError(error) {
  $('error').textContent = error.message;
  $('error').hidden = false;
}

/** Where the screen starts: `?area=` when it names the district, one of its streets or
 * communities or a basic grid of the published plan; else the district, and the status line
 * says the code is not known (rather than a screen of zeros for an area that does not exist). */
async function startArea() {
  const home = areas.home(config.district);
  const asked = params.get('area');
  if (!asked || asked === home || (await areas.known(asked))) return asked || home;
  state.unknownArea = asked;
  paintUnknownArea();
  return home;
}

function paintUnknownArea() {
  if (!state.unknownArea) return;
  $('error').textContent = `${t('unknownArea')} ${state.unknownArea} · ${t('showingDistrict')}`;
  $('error').hidden = false;
  document.body.dataset.unknownArea = state.unknownArea;
}

function buildMeasures() {
  const node = $('measures');
  node.replaceChildren(...MEASURES.map((measure) => {
    const button = document.createElement('button');
    button.dataset.measure = measure;
    button.dataset.i18n = measure;
    button.addEventListener('click', () => setMeasure(measure));
    return button;
  }));
}

function setMeasure(measure) {
  state.measure = measure;
  for (const b of $('measures').children) b.classList.toggle('on', b.dataset.measure === measure);
  screenMap.setMeasure(measure);
}

function paintLegend(measure, max) {
  const node = $('legend');
  const scales = {
    hotspot: `<span class="sw" style="background:#d7191c"></span>${t('hotGrid')} <span class="sw" style="background:#2166ac"></span>${t('coldGrid')}`,
    coverage: `<span class="sw" style="background:#e03c31"></span>${t('unmanned')} <span class="ramp cov"></span>`,
    settlement: `0% <span class="ramp rev"></span> 100%`,
  };
  node.innerHTML = `<b>${t(measure)}</b> ${scales[measure] || `0 <span class="ramp"></span> ${Math.round(max).toLocaleString('en-US')}`}`
    + ` <span class="sw" style="background:#26384d"></span>${t('noData')}`;
  if (measure === 'hotspot' && config.hotspotMethod) {
    // how the bins were made (inference, FDR): the server's text, so set as text, not HTML
    node.append(Object.assign(document.createElement('div'), { className: 'method', textContent: config.hotspotMethod }));
  }
}

function relabel() {
  t = words(state.lang);
  applyLabels(document, t, state.lang);
  renderBreadcrumb($('crumbs'), state.area, areas, t, go);
  paintLegend(screenMap.measure, screenMap.max || 1);
  paintFeedState();
  relabelFeed();
  paintPanels();
  paintUnknownArea();
}

function tick() {
  $('clock').textContent = new Date().toLocaleString(state.lang === 'en' ? 'en-GB' : 'zh-CN', { timeZone: 'Asia/Shanghai', hour12: false });
}

// The map first: its WebGL context and its grid tiles take longest (the server's `view` hint
// is the district's box, so the tiles asked for are the ones shown).
const mapMade = ScreenMap.create('map', { basemapUrl: config.basemapUrl, bounds: params.get('area') ? null : config.view || null, onPick: (grid) => go(childOf(state.area, grid)) })
  .then((made) => { performance.mark('screen:map-style'); return made; });
buildKpis($('kpis'));
buildMeasures();
applyLabels(document, t, state.lang);
tick();
setInterval(tick, 1000);
// ECharts is a chunk of its own, loaded once the map is under way (not before it starts)
let charts = null;
const chartsLoaded = import('./charts.js').then(({ Charts }) => { charts = new Charts($('trend'), $('categories')); });
window.geogridScreen = state; // for a person at the console (and the tests' debugging)
let areas;
let screenMap;
try {
  [areas, screenMap] = await Promise.all([
    Areas.load().then((loaded) => { performance.mark('screen:areas'); return loaded; }),
    mapMade,
  ]);
  screenMap.onLegend = paintLegend;
  state.map = screenMap.map;
  setMeasure(MEASURES.includes(state.measure) ? state.measure : 'incidents');
  languageSwitch($('lang'), state.lang, (lang) => { state.lang = lang; relabel(); });
  $('title').dataset.i18n = 'title';
  $('district-name').textContent = areas.name(areas.home());
  startFeed();
  await go(await startArea());
  relabel();
  document.body.dataset.grids = String(screenMap.gridsShown());
  document.body.dataset.paintMs = String(Math.round(performance.now())); // since navigation start
  document.body.dataset.scriptMs = String(Math.round(performance.now() - started));
  document.body.dataset.ready = '1';
  setInterval(() => loadPanels().catch(showError), 30_000);
} catch (error) {
  showError(error);
  throw error;
}
