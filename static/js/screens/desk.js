// The circulation desk, made for a USB barcode scanner: it types the code and presses
// Enter, so the one scan field is always focused and every answer comes back to it. In
// lend mode the first scan is a library card (the patron's panel opens), each scan after
// it lends that copy to them; in check-in mode each scan returns a copy and says where it
// goes next. Scans are handled one after another in the order they came, so a fast
// scanner never races itself, and the field is never disabled (it would lose focus).

import { $, el, formatDay, on } from '../dom.js';
import { ApiError, SignedOut, get, send } from '../api.js';
import { inWords } from '../messages.js';
import { currentUser } from '../session.js';
import * as panel from './desk-panel.js';
import * as finder from './desk-search.js';

const LOG_LENGTH = 50;

let mode = 'lend'; // or 'return'
let current = null; // the patron's panel (GET /patrons/…), or null
let queue = Promise.resolve();
let deskOf = null; // the id of the librarian whose session the desk shows

export function init() {
  on('#desk-scan-form', 'submit', (event) => {
    event.preventDefault();
    const field = $('#desk-scan');
    const code = field.value.trim();
    field.value = '';
    // The mode as it was when the code came in, whatever is switched while earlier scans
    // are still being answered.
    const asMode = mode;
    if (code) enqueue(() => scanned(code, asMode));
  });
  for (const toggle of document.querySelectorAll('#view-desk [data-mode]')) {
    toggle.addEventListener('click', () => setMode(toggle.dataset.mode));
  }
  on('#view-desk', 'keydown', keyboard);
  // A click on nothing in particular must not leave the scanner typing into the void.
  on('#view-desk', 'click', (event) => {
    if (!event.target.closest('input, button, select, textarea, a, summary, label')) refocus();
  });
  panel.init({ renew: (loan) => enqueue(() => renew(loan)), finish: () => enqueue(finishPatron) });
  finder.init({ open: (id) => enqueue(() => openPatron(`/patrons/${id}`)), failed: failed });
}

export function show() {
  // Another librarian signed in on this browser does not inherit the last one's patron.
  const me = (currentUser() || {}).id;
  if (me !== deskOf) {
    deskOf = me;
    current = null;
    panel.clear();
    $('#desk-log').replaceChildren();
    $('#desk-log-empty').hidden = false;
    $('#desk-say').hidden = true;
  }
  setMode(mode);
  refocus();
}

function keyboard(event) {
  if (event.key === 'F2') {
    event.preventDefault();
    setMode(mode === 'lend' ? 'return' : 'lend');
  } else if (event.key === 'Escape' && event.target.id !== 'desk-search-q') {
    const field = $('#desk-scan');
    if (event.target === field && field.value) field.value = '';
    else enqueue(finishPatron);
  }
}

function refocus() {
  if (document.body.dataset.view === 'desk') $('#desk-scan').focus();
}

// Runs one action after the ones before it; whatever happens, its outcome is said on the
// page and the scan field has the focus again.
function enqueue(action) {
  queue = queue.then(async () => {
    try {
      await action();
    } catch (error) {
      failed(error);
    } finally {
      refocus();
    }
  });
  return queue;
}

function failed(error) {
  if (error instanceof SignedOut) return;
  const words = inWords(error);
  say('error', words);
  log('error', words);
}

function setMode(wanted) {
  mode = wanted === 'return' ? 'return' : 'lend';
  $('#view-desk').dataset.mode = mode;
  for (const toggle of document.querySelectorAll('#view-desk [data-mode]')) {
    toggle.setAttribute('aria-pressed', String(toggle.dataset.mode === mode));
    toggle.classList.toggle('primary', toggle.dataset.mode === mode);
  }
  label();
  refocus();
}

function label() {
  let text;
  if (mode === 'return') text = 'Check in: scan a copy';
  else if (current && current.blocked) text = `${current.patron.display_name} cannot borrow: scan the next card`;
  else if (current) text = `Lend to ${current.patron.display_name}: scan a copy (or the next card)`;
  else text = 'Lend: scan a library card';
  $('#desk-scan-label').textContent = text;
}

async function scanned(code, asMode) {
  if (asMode === 'return') return checkIn(code);
  if (!current) return openPatron(`/patrons/card/${encodeURIComponent(code)}`);
  try {
    return await lend(code);
  } catch (error) {
    // The next reader's card scanned while one is open: they are next.
    if (error instanceof ApiError && error.code === 'patron_card_not_item') {
      return openPatron(`/patrons/card/${encodeURIComponent(code)}`);
    }
    throw error;
  }
}

async function openPatron(path) {
  const data = await get(path);
  current = data.result;
  panel.render(current);
  label();
  const who = current.patron.display_name;
  const out = current.loans.length;
  const books = `${out} ${out === 1 ? 'book' : 'books'} out`;
  if (current.blocked) {
    say('blocked', `Cannot borrow: ${current.blocked.detail || current.blocked.code}`, `${who}: ${books}. Their copies can still be checked in (F2).`);
  } else {
    say('ok', `${who}: ${books}. Scan the copies to lend.`);
  }
}

async function refresh() {
  if (!current) return;
  const data = await get(`/patrons/${current.patron.id}`);
  current = data.result;
  panel.render(current);
}

async function lend(code) {
  const who = current.patron;
  const body = { barcode: code };
  if (who.card_number) body.card_number = who.card_number;
  else body.user_id = who.id;
  const loan = (await send('POST', '/loans', body)).result;
  await refresh();
  const shown = current.loans.find((each) => each.id === loan.id);
  const title = shown ? shown.title : `book #${loan.book_id}`;
  const text = `Lent: ${title} — ${loan.barcode}, due ${formatDay(loan.due_at)}`;
  say('ok', text);
  log('lent', text);
}

async function checkIn(code) {
  const answer = (await send('POST', '/returns', { barcode: code })).result;
  const kind = answer.next === 'hold_shelf' ? 'hold-shelf' : 'shelf';
  const what = `Returned: ${answer.item.title} — ${answer.item.barcode}`;
  say(kind, answer.instruction, what);
  log(kind, `${what}. ${answer.instruction}`);
  await refresh();
}

async function renew(loan) {
  const renewed = (await send('POST', `/loans/${loan.id}/renew`)).result;
  await refresh();
  const text = `Renewed: ${loan.title} — ${loan.barcode || `loan #${loan.id}`}, now due ${formatDay(renewed.due_at)}`;
  say('ok', text);
  log('renewed', text);
}

function finishPatron() {
  if (current) {
    say('ok', `Done with ${current.patron.display_name}. Scan the next card.`);
    current = null;
    panel.clear();
    label();
  }
  refocus();
}

// The line everyone at the desk reads: the last outcome, big, in its colour. `kind` is
// ok, error, blocked (a patron who cannot borrow), shelf or hold-shelf.
function say(kind, headline, detail) {
  const box = $('#desk-say');
  box.className = `desk-say ${kind}`;
  box.dataset.kind = kind;
  box.replaceChildren(el('p', { class: 'desk-say-headline' }, kind === 'error' ? `Not done: ${headline}` : headline));
  if (detail) box.append(el('p', { class: 'desk-say-detail' }, detail));
  box.hidden = false;
}

function log(kind, text) {
  const list = $('#desk-log');
  const time = new Date().toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  list.prepend(el('li', { class: `log-${kind}`, dataset: { kind } }, el('span', { class: 'hint' }, time), ' ', text));
  while (list.children.length > LOG_LENGTH) list.lastElementChild.remove();
  $('#desk-log-empty').hidden = true;
}
