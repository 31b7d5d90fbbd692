// The patron's panel at the desk: who they are, why they cannot borrow if they cannot,
// what they have out (overdue loans marked in words and colour, each with its Renew
// button), the holds waiting for them, and their notices to send now.

import { $, el, button, formatDate, formatDay } from '../dom.js';
import { forget, noticesPart } from './desk-notices.js';

let actions = { renew: () => {}, finish: () => {} };

// `renew(loan)` and `finish()` come from the desk, which runs them in turn with its scans.
export function init(handlers) {
  actions = handlers;
}

export function clear() {
  const box = $('#desk-patron');
  delete box.dataset.patronId;
  forget();
  box.replaceChildren(el('p', { class: 'hint' }, 'No patron yet: scan their card, or find them below.'));
}

export function render(panel) {
  const who = panel.patron;
  const box = $('#desk-patron');
  box.dataset.patronId = who.id;
  const facts = [
    who.card_number ? `Card ${who.card_number}` : 'No card',
    who.group || 'No group',
    who.username,
  ].join(' · ');
  const finish = button('Finish patron (Esc)', 'finish');
  finish.addEventListener('click', () => actions.finish());
  // replaceChildren() would print a null as the word; the parts left out are dropped.
  const parts = [
    el('div', { class: 'patron-head' },
      el('div', {},
        el('h2', { id: 'desk-patron-name' }, who.display_name),
        el('p', { class: 'hint' }, facts)),
      finish),
    blockedPart(panel.blocked),
    panel.overdue > 0
      ? el('p', { class: 'desk-overdue' }, `${panel.overdue} overdue: ${panel.overdue === 1 ? 'it' : 'they'} must come back`)
      : null,
    loansPart(panel.loans),
    holdsPart(panel.holds),
    noticesPart(who),
  ];
  box.replaceChildren(...parts.filter(Boolean));
}

// Why the desk will refuse to lend to them (blocked, left, waiting for approval, card
// expired), before the first copy is scanned.
function blockedPart(blocked) {
  if (!blocked) return null;
  return el('p', { id: 'desk-blocked', class: 'desk-blocked', role: 'alert', dataset: { code: blocked.code || '' } },
    el('strong', {}, 'Cannot borrow: '), blocked.detail || BLOCKED_WORDS[blocked.code] || blocked.code);
}

const BLOCKED_WORDS = {
  patron_blocked: 'the patron is blocked.',
  patron_left: 'the patron has left.',
  card_expired: 'the card has expired.',
  patron_pending: 'the account is waiting for approval.',
};

function loansPart(loans) {
  const heading = el('h3', {}, loans.length ? `On loan (${loans.length})` : 'Nothing on loan');
  if (!loans.length) return heading;
  const rows = loans.map((loan) => {
    const overdue = loan.status === 'overdue';
    const renew = button('Renew', 'renew', { 'aria-label': `Renew ${loan.title}` });
    renew.addEventListener('click', () => actions.renew(loan));
    return el('tr', { class: overdue ? 'status-overdue' : '', dataset: { loanId: loan.id, status: loan.status } },
      el('td', { class: 'title', dataset: { label: 'Book' } }, el('strong', {}, loan.title)),
      el('td', { class: 'mono', dataset: { label: 'Copy' } }, loan.barcode || '—'),
      el('td', { dataset: { label: 'Due' } },
        `due ${formatDay(loan.due_at)}`,
        overdue ? el('span', { class: 'badge badge-overdue' }, 'Overdue') : null),
      el('td', { class: 'row-actions' }, renew));
  });
  return el('div', {}, heading,
    el('table', { class: 'list', id: 'desk-loans' }, el('tbody', {}, ...rows)));
}

function holdsPart(holds) {
  if (!holds.length) return null;
  const ready = holds.filter((hold) => hold.status === 'ready');
  const waiting = holds.filter((hold) => hold.status !== 'ready');
  const items = [
    ...ready.map((hold) => el('li', { class: 'hold-ready', dataset: { holdId: hold.id } },
      el('span', { class: 'badge badge-ready' }, 'Ready'), ' ',
      `${hold.title}${hold.barcode ? ` — ${hold.barcode}` : ''}, on the hold shelf`,
      hold.ready_until ? ` until ${formatDate(hold.ready_until)}` : '')),
    ...waiting.map((hold) => el('li', { dataset: { holdId: hold.id } },
      `Waiting: ${hold.title}`, hold.position ? `, number ${hold.position} in the queue` : '')),
  ];
  const title = ready.length ? `Holds (${ready.length} ready to pick up)` : 'Holds';
  return el('div', {}, el('h3', {}, title), el('ul', { class: 'desk-holds', id: 'desk-holds' }, ...items));
}
