// A book's copies, opened from its row in the catalogue: each with its barcode, status,
// location and who has it; add a copy (with the barcode on its label, or the next number),
// mark one lost or found, or withdraw it.

import { $, el, button, formatDate, on, setBusy } from '../dom.js';
import { get, send } from '../api.js';
import { attempt, ok } from '../messages.js';
import { fillTable } from '../lists.js';

const STATUS_WORDS = {
  available: 'on the shelf',
  on_loan: 'on loan',
  on_hold_shelf: 'on the hold shelf',
  in_transit: 'in transit',
  in_repair: 'in repair',
  lost: 'lost',
  missing: 'missing',
  withdrawn: 'withdrawn',
};

let book = null; // the book whose copies are shown
let changed = () => {}; // reloads the catalogue, whose counts follow the copies

export function init(reload) {
  changed = reload;
  on('#copies-close', 'click', close);
  on('#copy-add', 'submit', addCopy);
}

export async function open(chosen) {
  book = chosen;
  $('#copies-title').textContent = `Copies of “${book.title}”`;
  $('#copy-add').reset();
  $('#copies-panel').hidden = false;
  await load();
  $('#copies-panel').scrollIntoView({ block: 'nearest' });
  $('#copy-barcode').focus();
}

function close() {
  book = null;
  $('#copies-panel').hidden = true;
}

async function load() {
  if (!book) return;
  const shown = book.id;
  await attempt(async () => {
    const copies = (await get(`/books/${shown}/items`)).result || [];
    if (!book || book.id !== shown) return;
    fillTable('copies', copies.map(copyRow));
  });
}

function whoHasIt(copy) {
  if (copy.on_loan_to) return `${copy.on_loan_to.name}, due ${formatDate(copy.on_loan_to.until)}`;
  if (copy.held_for) return `kept for ${copy.held_for.name} until ${formatDate(copy.held_for.until)}`;
  return '—';
}

function copyRow(copy) {
  const actions = el('td', { class: 'row-actions' });
  const gone = copy.status === 'lost' || copy.status === 'missing';
  if (gone) {
    actions.append(action('Found', 'found', copy, () => send('POST', `/items/${copy.id}/found`),
      `Copy ${copy.barcode} is found again.`));
  } else if (copy.status !== 'withdrawn') {
    actions.append(action('Lost', 'lost', copy, () => send('POST', `/items/${copy.id}/lost`),
      `Copy ${copy.barcode} is marked lost.`));
  }
  if (copy.status !== 'withdrawn' && copy.status !== 'on_loan') {
    actions.append(action('Withdraw', 'withdraw', copy, () => send('DELETE', `/items/${copy.id}`),
      `Copy ${copy.barcode} is withdrawn.`, 'danger'));
  }
  const status = el('span', { class: `badge badge-${copy.status}` }, STATUS_WORDS[copy.status] || copy.status);
  return el('tr', { dataset: { itemId: copy.id, barcode: copy.barcode, status: copy.status } },
    el('td', { class: 'mono', dataset: { label: 'Barcode' } }, copy.barcode,
      copy.needs_review ? el('small', { class: 'review' }, ' check this copy') : null),
    el('td', { dataset: { label: 'Status' } }, status),
    el('td', { dataset: { label: 'Location' } }, copy.location || '—'),
    el('td', { dataset: { label: 'Who has it' } }, whoHasIt(copy)),
    actions);
}

function action(label, name, copy, request, done, style) {
  const control = button(label, name, { class: style, 'aria-label': `${label}: copy ${copy.barcode}` });
  control.addEventListener('click', async () => {
    if (name === 'withdraw' && !window.confirm(`Withdraw copy ${copy.barcode} from the collection?`)) return;
    await attempt(async () => {
      await request();
      ok(done);
      await load();
      await changed();
    });
  });
  return control;
}

async function addCopy(event) {
  event.preventDefault();
  if (!book) return;
  const form = event.target;
  const body = {};
  const barcode = $('#copy-barcode').value.trim();
  const location = $('#copy-location').value.trim();
  if (barcode) body.barcode = barcode;
  if (location) body.location = location;
  await attempt(async () => {
    setBusy(form, true);
    try {
      const copy = (await send('POST', `/books/${book.id}/items`, body)).result;
      ok(`Added copy ${copy.barcode} of “${copy.title}”.`);
      form.reset();
      await load();
      await changed();
    } finally {
      setBusy(form, false);
      $('#copy-barcode').focus();
    }
  });
}
