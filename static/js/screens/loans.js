// Loans: lend a book to a member, and the list of loans with return and renew. The books
// and members screens start a loan here with startLending() and lendTo().

import { $, el, button, formatDate, on, setBusy } from '../dom.js';
import { get, send, query } from '../api.js';
import { attempt, loadInto, ok } from '../messages.js';
import { nameCell, nameOf } from '../names.js';
import { PER_PAGE, pages, fillTable, renderPager } from '../lists.js';

export function init() {
  on('#loan-status', 'change', () => { pages.loans = 1; loadLoans(); });
  on('#loan-filter', 'submit', (e) => e.preventDefault());
  on('#lend-form', 'submit', lend);
}

export const show = () => loadLoans();

// From a book's row: the form names the book, the librarian names the member.
export function startLending(book) {
  $('#lend-book').value = book.id;
  $('#lend-book-title').textContent = `“${book.title}”, ${book.available} of ${book.copies} available`;
  location.hash = '#loans';
  $('#lend-member').focus();
}

// From a member's row: the form names the member, the librarian names the book.
export function lendTo(username) {
  $('#lend-member').value = username;
  location.hash = '#loans';
}

// A member is named by username, or by id when the text is a number.
async function memberId(text) {
  if (/^\d+$/.test(text)) return Number(text);
  const data = await get(`/users/username/${encodeURIComponent(text)}`);
  return data.result.id;
}

async function lend(event) {
  event.preventDefault();
  const form = event.target;
  await attempt(async () => {
    setBusy(form, true);
    try {
      const bookId = Number($('#lend-book').value);
      const userId = await memberId($('#lend-member').value.trim());
      const data = await send('POST', '/loans', { book_id: bookId, user_id: userId });
      const loan = data.result;
      const [title, who] = await Promise.all([nameOf('books', loan.book_id), nameOf('users', loan.user_id)]);
      ok(`Lent “${title}” to ${who}, due ${formatDate(loan.due_at)} (loan #${loan.id}).`);
      form.reset();
      $('#lend-book-title').textContent = '';
      $('#loan-status').value = 'active';
      await loadLoans();
    } finally {
      setBusy(form, false);
    }
  });
}

async function loadLoans() {
  const status = $('#loan-status').value;
  await loadInto('loans', async () => {
    const data = await get('/loans' + query({ status, page: pages.loans, per_page: PER_PAGE }));
    fillTable('loans', (data.result || []).map(loanRow));
    renderPager('loans', data.meta, loadLoans);
  });
}

function loanRow(loan) {
  const actions = el('td', { class: 'row-actions' });
  if (!loan.returned_at) {
    const giveBack = button('Return', 'return', { class: 'primary' });
    const renew = button('Renew', 'renew');
    giveBack.addEventListener('click', () => returnLoan(loan));
    renew.addEventListener('click', () => renewLoan(loan));
    actions.append(giveBack, renew);
  }
  return el('tr', { dataset: { loanId: loan.id, status: loan.status }, class: `status-${loan.status}` },
    el('td', { class: 'mono' }, `#${loan.id}`),
    nameCell('books', loan.book_id),
    nameCell('users', loan.user_id),
    el('td', { dataset: { label: 'Borrowed' } }, formatDate(loan.borrowed_at)),
    el('td', { dataset: { label: 'Due' } }, formatDate(loan.due_at)),
    el('td', { dataset: { label: 'Status' } }, el('span', { class: `badge badge-${loan.status}` }, loan.status)),
    actions);
}

async function returnLoan(loan) {
  await attempt(async () => {
    await send('POST', `/loans/${loan.id}/return`);
    ok(`Loan #${loan.id} returned: “${await nameOf('books', loan.book_id)}” is back.`);
    await loadLoans();
  });
}

async function renewLoan(loan) {
  await attempt(async () => {
    const data = await send('POST', `/loans/${loan.id}/renew`);
    ok(`Loan #${loan.id} renewed; now due ${formatDate(data.result.due_at)}.`);
    await loadLoans();
  });
}
