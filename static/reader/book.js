// A book's page: what the catalogue says of it, each copy's shelf and status, and for a
// signed-in reader their loan or hold of it, with a button to place or cancel a hold.

import { api, get, query, explain } from './api.js';
import { t, formatDate } from './i18n.js';
import { isSignedIn, currentUser } from './session.js';
import { holdState, cancelHoldButton } from './account.js';
import { el, show, link, heading, coverUrl, coverAlt, availability, showMessage, busy, newView, announce } from './ui.js';

function facts(book) {
  const rows = [];
  const add = (key, value) => {
    if (value !== null && value !== undefined && value !== '') rows.push(el('dt', {}, t(key)), el('dd', {}, String(value)));
  };
  add('book.series', book.series ? (book.series_number ? `${book.series} (${book.series_number})` : book.series) : null);
  add('book.publisher', book.publisher);
  add('book.year', book.published_year);
  add('book.language', book.language);
  add('book.isbn', book.isbn);
  add('book.tags', (book.tags || []).join(', '));
  return el('dl', { class: 'facts' }, ...rows);
}

function copiesTable(copies) {
  if (!copies.length) return el('p', {}, t('book.noCopies'));
  return el(
    'table',
    {},
    el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, t('book.shelf')), el('th', { scope: 'col' }, t('book.status')))),
    el(
      'tbody',
      {},
      ...copies.map((copy) =>
        el(
          'tr',
          { dataset: { status: copy.status } },
          el('td', {}, copy.location || t('book.noShelf')),
          el('td', {}, copy.due_at ? t('book.dueBack', { date: formatDate(copy.due_at) }) : t('status.' + copy.status)),
        ),
      ),
    ),
  );
}

// The signed-in reader's part: their loan of the book, their hold, or a button to hold it.
async function mine(book, again) {
  const box = el('section', { class: 'mine' });
  if (!isSignedIn()) {
    box.append(el('p', {}, link(`/?view=sign-in&next=${encodeURIComponent('/book/' + book.id)}`, t('book.signInToHold'))));
    return box;
  }
  // The reader's own: staff would otherwise see everyone's loans and holds of the book.
  const me = currentUser().id;
  const [active, overdue, holds] = await Promise.all([
    get('/loans' + query({ user_id: me, book_id: book.id, status: 'active', per_page: 10 })),
    get('/loans' + query({ user_id: me, book_id: book.id, status: 'overdue', per_page: 10 })),
    get('/holds' + query({ user_id: me, book_id: book.id, per_page: 10 })),
  ]);
  const out = active.result.concat(overdue.result)[0];
  const open = holds.result.find((hold) => hold.status === 'waiting' || hold.status === 'ready');
  if (out) {
    box.append(el('p', { class: 'have-it' }, t('book.youHaveIt', { date: formatDate(out.due_at) })));
  } else if (open) {
    box.append(el('p', { class: 'your-hold' }, t('book.yourHold'), ' ', holdState(open)), cancelHoldButton(open, again, { id: 'cancel-hold' }));
  } else {
    const form = el('form', { id: 'hold-form' }, el('button', { type: 'submit', id: 'place-hold' }, t('book.placeHold')));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      busy(form, true);
      try {
        const placed = await api('POST', `/books/${book.id}/holds`);
        const hold = placed.result;
        showMessage('ok', hold.status === 'ready' ? t('holds.placedReady') : t('holds.placed', { position: hold.position }));
        again();
      } catch (error) {
        busy(form, false);
        showMessage('error', explain(error));
      }
    });
    box.append(form);
  }
  return box;
}

export async function showBook(id) {
  const live = newView();
  const again = () => showBook(id);
  // The server wrote the book into the page; it stays on screen until the API answers.
  document.body.dataset.view = 'book';
  let book;
  let copies;
  try {
    [book, copies] = await Promise.all([get(`/books/${encodeURIComponent(id)}`), get(`/books/${encodeURIComponent(id)}/copies`)]);
  } catch (error) {
    if (!live()) return;
    const gone = error.status === 404 || error.status === 400;
    show(
      'book',
      gone ? t('book.notFound') : t('error.title'),
      el('section', { class: 'notice' }, heading(gone ? t('book.notFound') : t('error.title')), el('p', { role: 'alert' }, gone ? t('book.notFoundText') : explain(error)), el('p', {}, link('/', t('book.backToSearch')))),
    );
    return;
  }
  if (!live()) return;
  book = book.result;
  copies = copies.result;
  const cover = coverUrl(book);
  let part;
  try {
    part = await mine(book, again);
  } catch (error) {
    part = el('p', { class: 'error-text', role: 'alert' }, explain(error));
  }
  if (!live()) return;
  // Where the free copies stand, from the copies themselves.
  const shelves = [...new Set(copies.filter((copy) => copy.status === 'available' && copy.location).map((copy) => copy.location))].sort();
  show(
    'book',
    book.title,
    el(
      'article',
      { class: cover ? 'book with-cover' : 'book', dataset: { bookId: book.id } },
      cover ? el('img', { class: 'cover', src: cover, alt: coverAlt(book) }) : null,
      el(
        'div',
        { class: 'book-text' },
        heading(book.title),
        book.subtitle ? el('p', { class: 'subtitle' }, book.subtitle) : null,
        el('p', { class: 'author' }, link('/' + query({ author: book.author }), book.author)),
        el('p', { class: 'availability' }, availability(Object.assign({}, book, { shelves }))),
        part,
        book.description ? el('p', { class: 'description' }, book.description) : null,
        facts(book),
      ),
      el('section', { class: 'copies' }, heading(t('book.copies'), 2), copiesTable(copies)),
    ),
  );
  announce(book.title);
}
