// For admins: the library's settings (who may register, whether members see each other's
// names, how long loans stay linked to the patron) and the audit log, newest first,
// narrowed to one person and a span of days. A librarian who comes here is told it is
// an admin's screen instead of meeting the server's refusals.

import { $, el, on, setBusy } from '../dom.js';
import { get, send, query } from '../api.js';
import { attempt, loadInto, ok, showMessage } from '../messages.js';
import { nameCell } from '../names.js';
import { PER_PAGE, pages, fillTable, renderPager } from '../lists.js';
import { isAdmin } from '../session.js';

// What each recorded action means, in the words of the desk.
const ACTION_WORDS = {
  'loan.create': 'Lent',
  'loan.return': 'Returned',
  'loan.renew': 'Renewed',
  'hold.create': 'Hold placed',
  'hold.cancel': 'Hold cancelled',
  'item.create': 'Copy added',
  'item.update': 'Copy changed',
  'item.delete': 'Copy removed',
  'item.lost': 'Copy lost',
  'item.found': 'Copy found',
  'patron.create': 'Patron added',
  'patron.update': 'Patron changed',
  'patron.block': 'Patron blocked',
  'patron.unblock': 'Patron unblocked',
  'patron.approve': 'Account approved',
  'patron.leave': 'Patron left',
  'patron.erase': 'Personal data erased',
  'patron.import': 'Class list imported',
  'patron.school_year': 'School year step',
  'user.role': 'Role changed',
  'user.delete': 'Account deleted',
  'user.deactivate': 'Account deactivated',
  'settings.update': 'Settings changed',
  'loan_rules.update': 'Loan rules changed',
  'loan_rules.delete': 'Loan rules back to default',
};

export function init() {
  on('#settings-form', 'submit', saveSettings);
  on('#audit-filter', 'submit', (e) => { e.preventDefault(); pages.audit = 1; loadAudit(); });
  on('#audit-clear', 'click', () => {
    $('#audit-filter').reset();
    pages.audit = 1;
    loadAudit();
  });
}

export function show() {
  if (!isAdmin()) {
    showMessage('error', 'This screen is for admins', ['The settings and the audit log are an admin’s to see.']);
    return;
  }
  loadSettings();
  loadAudit();
}

// From a patron's row: their history.
export function showPerson(id) {
  $('#audit-filter').reset();
  $('#audit-person').value = id;
  pages.audit = 1;
  if (location.hash === '#audit') loadAudit();
  else location.hash = '#audit';
}

async function loadSettings() {
  await loadInto('audit', async () => {
    const settings = (await get('/settings')).result || {};
    $('#settings-registration').value = settings.registration || 'open';
    $('#settings-names').checked = Boolean(settings.members_see_names);
    $('#settings-members-only').checked = Boolean(settings.catalogue_members_only);
    $('#settings-reading-history').checked = Boolean(settings.reading_history);
    $('#settings-indexing').checked = Boolean(settings.search_engines_may_index);
    $('#settings-kiosk-idle').value = settings.kiosk_idle_seconds || 120;
    const days = settings.loan_history_days;
    $('#settings-history').value = days === null || days === undefined ? '' : days;
  });
}

async function saveSettings(event) {
  event.preventDefault();
  const form = event.target;
  const days = $('#settings-history').value.trim();
  const body = {
    registration: $('#settings-registration').value,
    members_see_names: $('#settings-names').checked,
    catalogue_members_only: $('#settings-members-only').checked,
    reading_history: $('#settings-reading-history').checked,
    search_engines_may_index: $('#settings-indexing').checked,
    kiosk_idle_seconds: Number($('#settings-kiosk-idle').value),
    loan_history_days: days === '' ? null : Number(days),
  };
  await attempt(async () => {
    setBusy(form, true);
    try {
      await send('PATCH', '/settings', body);
      ok('Settings saved.');
    } finally {
      setBusy(form, false);
    }
    await loadSettings();
    await loadAudit();
  });
}

async function loadAudit() {
  const params = {
    person: $('#audit-person').value.trim(),
    from: $('#audit-from').value,
    to: $('#audit-to').value,
    page: pages.audit,
    per_page: PER_PAGE,
  };
  await loadInto('audit', async () => {
    const data = await get('/audit' + query(params));
    fillTable('audit', (data.result || []).map(auditRow));
    renderPager('audit', data.meta, loadAudit);
  });
}

function when(at) {
  const date = new Date(at);
  if (!at || Number.isNaN(date.getTime())) return String(at || '');
  return date.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

function detailText(detail) {
  if (detail === null || detail === undefined) return '';
  return typeof detail === 'string' ? detail : JSON.stringify(detail);
}

function personButton(id, label) {
  const choose = el('button', { type: 'button', class: 'link-like', title: 'Show only this person', dataset: { person: id } }, label);
  choose.addEventListener('click', () => showPerson(id));
  return choose;
}

function auditRow(entry) {
  const who = entry.actor_id ? personButton(entry.actor_id, entry.actor || `#${entry.actor_id}`) : entry.actor || 'the system';
  const subject = entry.subject_type ? `${entry.subject_type}${entry.subject_id ? ` #${entry.subject_id}` : ''}` : '';
  let patron = el('td', { dataset: { label: 'Patron' } });
  if (entry.patron_id) {
    patron = nameCell('users', entry.patron_id);
    patron.dataset.label = 'Patron';
  }
  return el('tr', { dataset: { auditId: entry.id, action: entry.action } },
    el('td', { dataset: { label: 'When' } }, when(entry.at)),
    el('td', { dataset: { label: 'Who' } }, who),
    el('td', { dataset: { label: 'Action' } }, ACTION_WORDS[entry.action] || entry.action, ' ',
      el('small', { class: 'mono hint' }, entry.action)),
    el('td', { class: 'mono', dataset: { label: 'Subject' } }, subject),
    patron,
    el('td', { class: 'detail', dataset: { label: 'Detail' } }, detailText(entry.detail)));
}
