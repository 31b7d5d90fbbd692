// Every word the reader's page shows comes from one message catalogue per language
// (i18n/<code>.json, a flat map of keys to texts with {name} placeholders). Adding a
// language is adding its file: the server lists the files it has.

let messages = {};
let english = {};
let current = 'en';

const CHOSEN = 'reader.lang';

async function fetchCatalogue(code) {
  const response = await fetch(`/reader/i18n/${encodeURIComponent(code)}.json`);
  if (!response.ok) throw new Error(`no messages for ${code}`);
  return response.json();
}

// The reader's own choice, else the browser's first language the library has, else English.
export function pickLanguage(available) {
  const codes = available.map((language) => language.code);
  const chosen = localStorage.getItem(CHOSEN);
  if (chosen && codes.includes(chosen)) return chosen;
  for (const tag of navigator.languages || [navigator.language || 'en']) {
    const lower = String(tag).toLowerCase();
    if (codes.includes(lower)) return lower;
    const base = lower.split('-')[0];
    if (codes.includes(base)) return base;
  }
  return codes.includes('en') ? 'en' : codes[0] || 'en';
}

export async function useLanguage(code, remember) {
  english = Object.keys(english).length ? english : await fetchCatalogue('en');
  messages = code === 'en' ? english : await fetchCatalogue(code);
  current = code;
  document.documentElement.lang = code;
  if (remember) localStorage.setItem(CHOSEN, code);
  // The server writes its pages (a book's, for link previews) in the same language.
  document.cookie = `lang=${encodeURIComponent(code)}; path=/; max-age=31536000; SameSite=Lax`;
}

export const language = () => current;

export function has(key) {
  return key in messages || key in english;
}

export function t(key, params) {
  let text = key in messages ? messages[key] : key in english ? english[key] : key;
  for (const [name, value] of Object.entries(params || {})) {
    text = text.split(`{${name}}`).join(String(value));
  }
  return text;
}

// Translates what the server wrote into the page, after a change of language.
export function translatePage(root) {
  const scope = root || document;
  for (const node of scope.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
  for (const node of scope.querySelectorAll('[data-i18n-placeholder]')) {
    node.placeholder = t(node.dataset.i18nPlaceholder);
  }
  for (const node of scope.querySelectorAll('[data-i18n-aria-label]')) {
    node.setAttribute('aria-label', t(node.dataset.i18nAriaLabel));
  }
}

export function formatDate(value) {
  const date = new Date(value);
  if (!value || Number.isNaN(date.getTime())) return '';
  return date.toLocaleDateString(current, { year: 'numeric', month: 'short', day: 'numeric' });
}
