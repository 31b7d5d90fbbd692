// Finding a patron at the desk without their card: by name, card number or group. Each
// one found is a button that opens the same panel a scanned card does.

import { $, el, on } from '../dom.js';
import { get, query } from '../api.js';

let actions = { open: () => {}, failed: () => {} };

// `open(id)` shows the patron's panel; `failed(error)` says what went wrong at the desk.
export function init(handlers) {
  actions = handlers;
  on('#desk-search', 'submit', (event) => {
    event.preventDefault();
    find($('#desk-search-q').value.trim());
  });
}

async function find(text) {
  const list = $('#desk-search-results');
  if (!text) {
    list.replaceChildren(el('li', { class: 'hint' }, 'Type a name, card number or group first.'));
    return;
  }
  let found;
  try {
    found = (await get('/patrons' + query({ q: text, per_page: 20 }))).result || [];
  } catch (error) {
    actions.failed(error);
    return;
  }
  if (!found.length) {
    list.replaceChildren(el('li', { class: 'hint' }, `Nobody found for “${text}”.`));
    return;
  }
  list.replaceChildren(...found.map((patron) => {
    const open = el('button', { type: 'button', dataset: { action: 'open', patronId: patron.id } },
      patron.display_name);
    open.addEventListener('click', () => actions.open(patron.id));
    const facts = [
      patron.card_number && `card ${patron.card_number}`,
      patron.username,
      patron.status && patron.status !== 'active' && (patron.status === 'pending' ? 'waiting for approval' : patron.status),
    ].filter(Boolean).join(' · ');
    return el('li', {}, open, ' ', el('span', { class: 'hint' }, facts));
  }));
  // From the keyboard: Tab walks the results, Enter opens one.
  list.querySelector('button').focus();
}
