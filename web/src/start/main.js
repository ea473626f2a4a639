// The start page: keeps the key of the demo's link (`/maps#key=...`) for the other pages, and
// says whether a key is held.
import { apiKey, takeKeyFromFragment } from '../common/api.js';

takeKeyFromFragment();
const status = document.getElementById('key-status');
if (status) {
  status.textContent = apiKey()
    ? '已保存 API 密钥 · API key stored for the editor and the big screen'
    : '未保存 API 密钥：只读 · No API key: read-only';
}
document.body.dataset.ready = 'true';
