// What every view of the reader's page shares: the message line, the main area, links
// that stay on the page, and the availability line of a book.

import { el } from './shared/dom.js';
import { t } from './i18n.js';

export { el };

export const main = () => document.getElementById('main');

export function showMessage(kind, text) {
  const box = document.getElementById('message');
  box.replaceChildren(el('p', {}, text));
  box.dataset.kind = kind;
  box.className = 'message ' + kind;
  const close = el('button', { type: 'button', class: 'message-close', 'aria-label': t('message.dismiss') }, '×');
  close.addEventListener('click', clearMessage);
  box.append(close);
  box.hidden = false;
}

export function clearMessage() {
  const box = document.getElementById('message');
  box.hidden = true;
  box.replaceChildren();
  delete box.dataset.kind;
}

// Each view drawn after an answer from the server asks first whether it is still the one
// wanted: a slow answer must not replace what the reader went on to.
let drawing = 0;

export function newView() {
  const mine = ++drawing;
  return () => mine === drawing;
}

// Shows a view: its name on <body> (tests and styles read it), its nodes in <main>. A
// redraw that took the focus with it leaves it on <main>, not lost on <body>.
export function show(view, title, ...nodes) {
  document.body.dataset.view = view;
  document.title = title ? `${title} · ${t('app.title')}` : t('app.title');
  const hadFocus = main().contains(document.activeElement);
  main().replaceChildren(...nodes);
  if (hadFocus || document.activeElement === document.body || !document.activeElement) main().focus();
}

// Says something to screen readers through the page's one polite live region.
export function announce(text) {
  const region = document.getElementById('announce');
  region.textContent = '';
  setTimeout(() => {
    region.textContent = text;
  }, 50);
}

export const link = (href, text, attrs) => el('a', Object.assign({ href }, attrs || {}), text);

export function heading(text, level) {
  return el('h' + (level || 1), {}, text);
}

export function coverUrl(book) {
  return book.cover_file ? `/images/cover/${encodeURIComponent(book.cover_file)}` : null;
}

export function coverAlt(book) {
  return t('book.coverOf', { title: book.title });
}

// "2 of 3 on the shelf — shelf 823 ADA"
export function availability(book) {
  const copies = Number(book.copies || 0);
  if (!copies) return t('book.noCopiesShort');
  const line = t('book.onShelf', { free: book.available, total: copies });
  const shelves = book.shelves || [];
  return shelves.length ? `${line} — ${t('book.shelfAt', { shelf: shelves.join(', ') })}` : line;
}

// A form while the server works on it takes no second submit.
export function busy(form, on) {
  for (const control of form.querySelectorAll('button, input, select, textarea')) control.disabled = on;
}

export function field(id, labelKey, attrs) {
  const input = el('input', Object.assign({ id, name: id }, attrs || {}));
  return el('div', { class: 'field' }, el('label', { for: id }, t(labelKey)), input);
}
