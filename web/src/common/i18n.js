// Chinese labels by default with an English switch; the choice is kept in localStorage.
const LANG = 'geogrid.lang';

export function currentLang(defaultLang = 'zh') {
  return localStorage.getItem(LANG) || defaultLang;
}

/** Returns t(key) for `dict = {zh: {...}, en: {...}}`; unknown keys fall back to the key. */
export function translator(dict, lang) {
  const table = dict[lang] || dict.zh;
  return (key) => table[key] ?? dict.zh[key] ?? key;
}

/** Fills every [data-i18n] element's text from `t`, and sets <html lang>. */
export function applyLabels(root, t, lang) {
  document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
  for (const node of root.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
}

/** A button that flips between 中文 and English and calls `onChange(lang)`. */
export function languageSwitch(button, lang, onChange) {
  const paint = () => { button.textContent = lang === 'zh' ? 'English' : '中文'; };
  paint();
  button.addEventListener('click', () => {
    lang = lang === 'zh' ? 'en' : 'zh';
    localStorage.setItem(LANG, lang);
    paint();
    onChange(lang);
  });
}
