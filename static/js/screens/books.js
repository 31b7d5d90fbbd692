// The catalogue: search, the list with its covers, and each row's edit, copies, lend and
// delete. Adding and editing happen in the book form (book-form.js), a book's copies in
// book-copies.js, CSV in import-export.js.

import { $, el, button, on } from '../dom.js';
import { get, send, query } from '../api.js';
import { attempt, loadInto, ok } from '../messages.js';
import { knowName } from '../names.js';
import { PER_PAGE, pages, fillTable, renderPager } from '../lists.js';
import * as bookForm from './book-form.js';
import * as bookCopies from './book-copies.js';
import * as importExport from './import-export.js';
import { startLending } from './loans.js';

export function init() {
  on('#book-search', 'submit', (e) => { e.preventDefault(); pages.books = 1; loadBooks(); });
  on('#book-available', 'change', () => { pages.books = 1; loadBooks(); });
  bookForm.init(loadBooks);
  bookCopies.init(loadBooks);
  importExport.init(loadBooks);
}

export const show = () => loadBooks();

async function loadBooks() {
  const q = $('#book-q').value.trim();
  const params = { q, page: pages.books, per_page: PER_PAGE };
  if ($('#book-available').checked) params.available = 'true';
  if (!q) Object.assign(params, { sort: 'title', order: 'asc' });
  await loadInto('books', async () => {
    const data = await get('/books' + query(params));
    const books = data.result || [];
    for (const book of books) knowName('books', book.id, book.title);
    fillTable('books', books.map(bookRow));
    renderPager('books', data.meta, loadBooks);
  });
}

function bookRow(book) {
  const cover = book.cover_file
    ? el('img', { class: 'thumb', src: `/images/cover/${encodeURIComponent(book.cover_file)}`, alt: '' })
    : el('span', { class: 'thumb placeholder', 'aria-hidden': 'true' });
  const edit = button('Edit', 'edit');
  const copies = button('Copies', 'copies');
  const lend = button('Lend', 'lend', { disabled: book.available <= 0 });
  const remove = button('Delete', 'delete', { class: 'danger' });
  edit.addEventListener('click', () => bookForm.open(book));
  copies.addEventListener('click', () => bookCopies.open(book));
  lend.addEventListener('click', () => startLending(book));
  remove.addEventListener('click', () => deleteBook(book));
  const series = book.series && (book.series_number ? `${book.series} #${book.series_number}` : book.series);
  const meta = [
    book.subtitle,
    series,
    [book.publisher, book.published_year].filter(Boolean).join(', '),
  ].filter(Boolean).join(' · ');
  return el('tr', { dataset: { bookId: book.id } },
    el('td', { class: 'cover-cell' }, cover),
    el('td', { class: 'title' }, el('strong', {}, book.title), meta ? el('small', {}, meta) : null),
    el('td', { dataset: { label: 'Author' } }, book.author),
    el('td', { class: 'mono', dataset: { label: 'ISBN' } }, book.isbn || '—'),
    el('td', { class: 'available', dataset: { label: 'Available' } }, `${book.available} of ${book.copies}`),
    el('td', { class: 'row-actions' }, edit, copies, lend, remove));
}

async function deleteBook(book) {
  if (!window.confirm(`Delete “${book.title}” from the catalogue?`)) return;
  await attempt(async () => {
    await send('DELETE', `/books/${book.id}`);
    ok(`Deleted “${book.title}”.`);
    await loadBooks();
  });
}
