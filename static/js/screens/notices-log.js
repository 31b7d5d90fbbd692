// The send log: every notice the library made, newest first, narrowed by status, kind and
// channel. A row opens the notice's whole text; a mail that failed or still waits can be
// sent again at once.

import { $, el, button, on } from '../dom.js';
import { ApiError, get, send, query } from '../api.js';
import { attempt, loadInto, ok, showMessage } from '../messages.js';
import { PER_PAGE, pages, fillTable, renderPager } from '../lists.js';
import { KIND_WORDS, plural, readerWords, sentence, when } from './notices-words.js';

export function init() {
  pages.notices = 1;
  on('#notice-filter', 'submit', (e) => e.preventDefault());
  for (const filter of ['#notice-status', '#notice-kind', '#notice-channel']) {
    on(filter, 'change', () => { pages.notices = 1; loadLog(); });
  }
  on('#notice-dialog-close', 'click', () => $('#notice-dialog').close());
}

export async function loadLog() {
  const params = {
    status: $('#notice-status').value,
    kind: $('#notice-kind').value,
    channel: $('#notice-channel').value,
    page: pages.notices,
    per_page: PER_PAGE,
  };
  await loadInto('notices', async () => {
    const data = await get('/notices' + query(params));
    fillTable('notices', (data.result || []).map(noticeRow));
    renderPager('notices', data.meta, loadLog);
  });
}

function statusWords(notice) {
  if (notice.status === 'pending') return notice.channel === 'slip' ? 'To print' : 'Waiting to go out';
  return { sent: 'Sent', printed: 'Printed', failed: 'Failed' }[notice.status] || notice.status;
}

function recipientWords(notice) {
  if (notice.channel === 'mail') return notice.recipient || '';
  return notice.group ? `slip for ${notice.group}` : 'slip (no group)';
}

function noticeRow(notice) {
  const actions = el('td', { class: 'row-actions' });
  const open = button('Show', 'show');
  open.addEventListener('click', () => showNotice(notice.id));
  actions.append(open);
  if (notice.channel === 'mail' && (notice.status === 'failed' || notice.status === 'pending')) {
    const again = button('Send again', 'send-again', { class: 'primary' });
    again.addEventListener('click', () => sendAgain(notice));
    actions.append(again);
  }
  const reader = el('td', { dataset: { label: 'Reader' } }, readerWords(notice));
  if (notice.user_id) reader.dataset.userId = notice.user_id;
  const row = el('tr', { class: 'clickable', dataset: { noticeId: notice.id, status: notice.status, channel: notice.channel } },
    el('td', { dataset: { label: 'When' } }, when(notice.created_at)),
    el('td', { dataset: { label: 'Kind' } }, KIND_WORDS[notice.kind] || notice.kind),
    reader,
    el('td', { dataset: { label: 'To' } }, recipientWords(notice)),
    el('td', { class: 'subject', dataset: { label: 'Subject' } }, notice.subject),
    el('td', { dataset: { label: 'Status' } },
      el('span', { class: `badge badge-notice-${notice.status}` }, statusWords(notice))),
    el('td', { dataset: { label: 'Attempts' } }, notice.channel === 'mail' ? notice.attempts : ''),
    el('td', { class: 'last-error', dataset: { label: 'Last error' } }, notice.last_error || ''),
    actions);
  // The whole row opens the notice; its buttons do what they say instead.
  row.addEventListener('click', (event) => {
    if (!event.target.closest('button')) showNotice(notice.id);
  });
  return row;
}

async function showNotice(id) {
  await attempt(async () => {
    const notice = (await get(`/notices/${id}`)).result;
    const parts = [KIND_WORDS[notice.kind] || notice.kind, `to ${recipientWords(notice)}`, `made ${when(notice.created_at)}`];
    parts.push(notice.sent_at ? `${statusWords(notice).toLowerCase()} ${when(notice.sent_at)}` : statusWords(notice).toLowerCase());
    if (notice.channel === 'mail') parts.push(plural(notice.attempts, 'attempt'));
    $('#notice-dialog-title').textContent = notice.subject;
    $('#notice-dialog-about').textContent = parts.join(' · ');
    $('#notice-dialog-error').textContent = notice.last_error ? `The mail server said: ${notice.last_error}` : '';
    $('#notice-dialog-error').hidden = !notice.last_error;
    $('#notice-dialog-body').textContent = notice.body;
    $('#notice-dialog').dataset.noticeId = notice.id;
    if (!$('#notice-dialog').open) $('#notice-dialog').showModal();
  });
}

async function sendAgain(notice) {
  await attempt(async () => {
    try {
      const now = (await send('POST', `/notices/${notice.id}/send-again`)).result;
      if (now.status === 'sent') ok(`Sent again to ${now.recipient}.`);
      else showMessage('error', `The mail to ${now.recipient} did not go out`,
        [`The mail server said: ${now.last_error || 'nothing'}.`, 'It is tried again later; check the mail settings if it keeps failing.']);
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 409) throw error;
      const why = Object.values(error.errors)[0] || error.message;
      showMessage('error', 'Not sent again', [`${sentence(why)}.`]);
    }
    await loadLog();
  });
}
