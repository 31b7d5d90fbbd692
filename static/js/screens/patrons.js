// Patrons, as a school keeps them: found by name, card or group, narrowed by group and
// status, each with its card, group and status (a block says why), and what staff do with
// them: edit, block with a reason, unblock, mark as left, approve a waiting account, and
// for an admin the role and erasing the personal data. Adding and editing happen in the
// patron form (patron-form.js). The screen keeps the address #members.

import { $, el, button, formatDate, on } from '../dom.js';
import { get, send, query } from '../api.js';
import { attempt, loadInto, ok } from '../messages.js';
import { knowName } from '../names.js';
import { PER_PAGE, pages, fillTable, renderPager } from '../lists.js';
import { currentUser, isAdmin } from '../session.js';
import { lendTo } from './loans.js';
import { showPerson } from './audit.js';
import * as patronForm from './patron-form.js';

const ROLES = ['member', 'librarian', 'admin'];

export const STATUS_WORDS = {
  active: 'Active',
  blocked: 'Blocked',
  left: 'Left',
  pending: 'Waiting for approval',
};

let blocking = null; // the patron the block dialog is about
let erasing = null; // the patron the erase dialog is about

export function init() {
  on('#member-search', 'submit', (e) => { e.preventDefault(); pages.members = 1; loadPatrons(); });
  on('#patron-status-filter', 'change', () => { pages.members = 1; loadPatrons(); });
  patronForm.init(loadPatrons);
  on('#patron-block-form', 'submit', (e) => { e.preventDefault(); block(); });
  on('#patron-block-cancel', 'click', () => $('#patron-block-dialog').close());
  on('#patron-erase-form', 'submit', (e) => { e.preventDefault(); erase(); });
  on('#patron-erase-cancel', 'click', () => $('#patron-erase-dialog').close());
}

export const show = () => loadPatrons();

async function loadPatrons() {
  const params = {
    q: $('#member-q').value.trim(),
    group: $('#patron-group-filter').value.trim(),
    status: $('#patron-status-filter').value,
    page: pages.members,
    per_page: PER_PAGE,
  };
  await loadInto('members', async () => {
    const data = await get('/patrons' + query(params));
    const patrons = data.result || [];
    for (const patron of patrons) knowName('users', patron.id, patron.username);
    fillTable('members', patrons.map(patronRow));
    renderPager('members', data.meta, loadPatrons);
  });
}

const today = () => new Date().toISOString().slice(0, 10);

function patronRow(patron) {
  const me = (currentUser() || {}).id === patron.id;
  const about = [patron.username];
  if (!patron.can_sign_in) about.push('no sign-in');
  if (patron.loans_out) about.push(`${patron.loans_out} ${patron.loans_out === 1 ? 'book' : 'books'} out`);
  const expired = patron.card_expires_on && patron.card_expires_on < today();
  return el('tr', { class: `patron-${patron.status}`, dataset: { userId: patron.id, username: patron.username, status: patron.status } },
    el('td', { class: 'title' },
      el('strong', {}, patron.erased ? 'Erased' : patron.full_name || patron.username),
      el('small', {}, about.join(' · '))),
    el('td', { class: 'mono', dataset: { label: 'Card' } },
      patron.card_number || '—',
      patron.card_expires_on
        ? el('small', { class: expired ? 'expired' : 'hint' },
          expired ? ` expired ${formatDate(patron.card_expires_on)}` : ` until ${formatDate(patron.card_expires_on)}`)
        : null),
    el('td', { dataset: { label: 'Group' } }, patron.group || ''),
    el('td', { class: 'status-cell', dataset: { label: 'Status' } },
      el('span', { class: `badge badge-patron-${patron.status}` }, STATUS_WORDS[patron.status] || patron.status),
      patron.status === 'blocked' && patron.blocked_reason
        ? el('span', { class: 'blocked-reason' }, patron.blocked_reason)
        : null),
    el('td', { class: 'role-cell', dataset: { label: 'Role' } }, roleControl(patron)),
    el('td', { class: 'row-actions' }, ...actionsFor(patron, me)));
}

function roleControl(patron) {
  if (!isAdmin() || patron.erased) return el('span', { class: `role role-${patron.role}` }, patron.role);
  const select = el('select', { class: 'role-select', 'aria-label': `Role of ${patron.username}`, dataset: { userId: patron.id } },
    ...ROLES.map((r) => el('option', { value: r, selected: r === patron.role }, r)));
  select.addEventListener('change', () => changeRole(patron, select));
  return select;
}

function actionsFor(patron, me) {
  const who = patron.full_name || patron.username;
  const act = (label, action, handler, extra) => {
    const b = button(label, action, Object.assign({ 'aria-label': `${label}: ${who}` }, extra || {}));
    b.addEventListener('click', handler);
    return b;
  };
  const history = act('History', 'history', () => showPerson(patron.id));
  if (patron.erased) return isAdmin() ? [history] : [];
  // A librarian changes members' records and their own, not other staff's.
  if (!isAdmin() && !me && patron.role !== 'member') return [];
  const actions = [act('Edit', 'edit', () => patronForm.open(patron))];
  if (patron.status === 'active') actions.push(act('Lend', 'lend', () => lendTo(patron.username)));
  if (!me) {
    if (patron.status === 'pending') actions.push(act('Approve', 'approve', () => setStatus(patron, 'active', `${who} is approved and may borrow.`)));
    if (patron.status === 'active') actions.push(act('Block', 'block', () => askBlock(patron)));
    if (patron.status === 'blocked') actions.push(act('Unblock', 'unblock', () => setStatus(patron, 'active', `${who} is unblocked and may borrow again.`)));
    if (patron.status === 'left') actions.push(act('Back again', 'reactivate', () => setStatus(patron, 'active', `${who} is active again.`)));
    else actions.push(act('Mark as left', 'leave', () => setStatus(patron, 'left', `${who} is marked as left: no more loans, history kept.`)));
    if (isAdmin()) actions.push(act('Erase…', 'erase', () => askErase(patron), { class: 'danger' }));
  }
  if (isAdmin()) actions.push(history);
  return actions;
}

async function changeRole(patron, select) {
  const role = select.value;
  select.disabled = true;
  try {
    const done = await attempt(async () => {
      const data = await send('PATCH', `/users/${patron.id}/role`, { role });
      patron.role = data.result.role;
      ok(`${data.result.username} is now ${data.result.role}.`);
      return true;
    });
    if (!done) select.value = patron.role; // show what the server still holds
  } finally {
    select.disabled = false;
  }
}

async function setStatus(patron, status, said) {
  await attempt(async () => {
    await send('PATCH', `/patrons/${patron.id}`, { status });
    ok(said);
    await loadPatrons();
  });
}

function askBlock(patron) {
  blocking = patron;
  $('#patron-block-title').textContent = `Block ${patron.full_name || patron.username}`;
  $('#patron-block-form').reset();
  $('#patron-block-dialog').showModal();
  $('#patron-block-reason').focus();
}

async function block() {
  const patron = blocking;
  const reason = $('#patron-block-reason').value.trim();
  if (!patron || !reason) return;
  $('#patron-block-dialog').close();
  await attempt(async () => {
    await send('PATCH', `/patrons/${patron.id}`, { status: 'blocked', blocked_reason: reason });
    ok(`${patron.full_name || patron.username} is blocked: ${reason}`);
    await loadPatrons();
  });
}

function askErase(patron) {
  erasing = patron;
  const card = patron.card_number ? `, card ${patron.card_number}` : '';
  $('#patron-erase-what').textContent = `Erase the personal data of ${patron.display_name}${card}?`;
  $('#patron-erase-dialog').showModal();
  $('#patron-erase-cancel').focus();
}

async function erase() {
  const patron = erasing;
  if (!patron) return;
  $('#patron-erase-dialog').close();
  await attempt(async () => {
    await send('POST', `/patrons/${patron.id}/erase`, {});
    ok(`The personal data of ${patron.display_name} is erased; the loan history is kept without the name.`);
    await loadPatrons();
  });
}
