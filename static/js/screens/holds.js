// Holds: the queue of reservations, by status, and cancelling one.

import { $, el, button, formatDate, on } from '../dom.js';
import { get, send, query } from '../api.js';
import { attempt, loadInto, ok } from '../messages.js';
import { nameCell } from '../names.js';
import { PER_PAGE, pages, fillTable, renderPager } from '../lists.js';

export function init() {
  on('#hold-status', 'change', () => { pages.holds = 1; loadHolds(); });
  on('#hold-filter', 'submit', (e) => e.preventDefault());
}

export const show = () => loadHolds();

async function loadHolds() {
  const status = $('#hold-status').value;
  await loadInto('holds', async () => {
    const data = await get('/holds' + query({ status, page: pages.holds, per_page: PER_PAGE }));
    fillTable('holds', (data.result || []).map(holdRow));
    renderPager('holds', data.meta, loadHolds);
  });
}

function holdRow(hold) {
  const actions = el('td', { class: 'row-actions' });
  if (hold.status === 'waiting' || hold.status === 'ready') {
    const cancel = button('Cancel', 'cancel', { class: 'danger' });
    cancel.addEventListener('click', () => cancelHold(hold));
    actions.append(cancel);
  }
  const status = hold.status === 'ready' && hold.ready_until
    ? `ready until ${formatDate(hold.ready_until)}`
    : hold.status;
  return el('tr', { dataset: { holdId: hold.id, status: hold.status } },
    el('td', { class: 'mono' }, `#${hold.id}`),
    nameCell('books', hold.book_id),
    nameCell('users', hold.user_id),
    el('td', { dataset: { label: 'Placed' } }, formatDate(hold.created_at)),
    el('td', { dataset: { label: 'Position' } }, hold.position === null || hold.position === undefined ? '' : hold.position),
    el('td', { dataset: { label: 'Status' } }, el('span', { class: `badge badge-${hold.status}` }, status)),
    actions);
}

async function cancelHold(hold) {
  if (!window.confirm(`Cancel hold #${hold.id}?`)) return;
  await attempt(async () => {
    await send('DELETE', `/holds/${hold.id}`);
    ok(`Hold #${hold.id} cancelled.`);
    await loadHolds();
  });
}
