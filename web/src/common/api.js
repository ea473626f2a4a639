// The API from a page: the key (kept in localStorage; a `#key=...` fragment from the demo's link
// is stored and removed from the address bar), JSON with problem details turned into errors.

const KEY = 'geogrid.apiKey';

export function takeKeyFromFragment() {
  const match = /(?:^|[#&])key=([^&]+)/.exec(location.hash);
  if (match) {
    localStorage.setItem(KEY, decodeURIComponent(match[1]));
    history.replaceState(null, '', location.pathname + location.search);
  }
}

export function apiKey() {
  return localStorage.getItem(KEY);
}

export function setApiKey(key) {
  if (key) localStorage.setItem(KEY, key);
  else localStorage.removeItem(KEY);
}

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

/** fetch() against the API with the key; JSON in and out; a problem detail becomes an ApiError. */
export async function api(path, { method = 'GET', body, headers = {}, raw = false } = {}) {
  const key = apiKey();
  const init = { method, headers: { Accept: 'application/json', ...headers } };
  if (key) init.headers['X-API-Key'] = key;
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  if (raw) return response;
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) throw new ApiError(response.status, data || {});
  return data;
}

/** Headers MapLibre sends with tile requests (the key), for `transformRequest`. */
export function transformRequest(url) {
  const key = apiKey();
  if (key && url.startsWith(location.origin)) return { url, headers: { 'X-API-Key': key } };
  return { url };
}
