// Members: search by username, and for an admin each member's role and deletion. A
// librarian sees the roles but cannot change them (the server would refuse anyway).

import { $, el, button, formatDate, on } from '../dom.js';
import { get, send, query } from '../api.js';
import { attempt, loadInto, ok } from '../messages.js';
import { knowName } from '../names.js';
import { PER_PAGE, pages, fillTable, renderPager } from '../lists.js';
import { currentUser, isAdmin } from '../session.js';
import { lendTo } from './loans.js';

const ROLES = ['member', 'librarian', 'admin'];

export function init() {
  on('#member-search', 'submit', (e) => { e.preventDefault(); pages.members = 1; loadMembers(); });
}

export const show = () => loadMembers();

async function loadMembers() {
  const q = $('#member-q').value.trim();
  await loadInto('members', async () => {
    const data = await get('/users' + query({ q, page: pages.members, per_page: PER_PAGE }));
    const users = data.result || [];
    for (const user of users) knowName('users', user.id, user.username);
    fillTable('members', users.map(memberRow));
    renderPager('members', data.meta, loadMembers);
  });
}

function memberRow(user) {
  const me = currentUser() || {};
  let role;
  if (isAdmin()) {
    role = el('select', { class: 'role-select', 'aria-label': `Role of ${user.username}`, dataset: { userId: user.id } },
      ...ROLES.map((r) => el('option', { value: r, selected: r === user.role }, r)));
    role.addEventListener('change', () => changeRole(user, role));
  } else {
    role = el('span', { class: `role role-${user.role}` }, user.role);
  }
  const actions = el('td', { class: 'row-actions' });
  const loans = button('Loans', 'loans');
  loans.addEventListener('click', () => lendTo(user.username));
  actions.append(loans);
  if (isAdmin() && user.id !== me.id) {
    const remove = button('Delete', 'delete', { class: 'danger' });
    remove.addEventListener('click', () => deleteMember(user));
    actions.append(remove);
  }
  return el('tr', { dataset: { userId: user.id, username: user.username } },
    el('td', { class: 'title' }, el('strong', {}, user.username)),
    el('td', { dataset: { label: 'Email' } }, user.email || ''),
    el('td', { class: 'role-cell', dataset: { label: 'Role' } }, role),
    el('td', { dataset: { label: 'Joined' } }, formatDate(user.created_at)),
    actions);
}

async function changeRole(user, select) {
  const role = select.value;
  select.disabled = true;
  try {
    const done = await attempt(async () => {
      const data = await send('PATCH', `/users/${user.id}/role`, { role });
      user.role = data.result.role;
      ok(`${data.result.username} is now ${data.result.role}.`);
      return true;
    });
    if (!done) select.value = user.role; // show what the server still holds
  } finally {
    select.disabled = false;
  }
}

async function deleteMember(user) {
  if (!window.confirm(`Delete the account of ${user.username}? This cannot be undone.`)) return;
  await attempt(async () => {
    await send('DELETE', `/users/${user.id}`);
    ok(`Deleted ${user.username}.`);
    await loadMembers();
  });
}
