// The form that adds a book or edits one, and its cover upload. An edit sends only the
// fields that changed, so what another librarian changed meanwhile is kept.

import { $, on, setBusy } from '../dom.js';
import { send } from '../api.js';
import { attempt, ok, showMessage } from '../messages.js';

// Each book field the form edits is an input or text area named after the API field (in
// index.html), so a new field needs only its input there. Number inputs send numbers.
const fieldInputs = () => $('#book-form').querySelectorAll('input[name], textarea[name]');

let editing = null; // the book being edited, or null when adding
let changed = () => {}; // reloads the list after a save, a new cover

// `reload` refreshes the list of books once the form has changed one.
export function init(reload) {
  changed = reload;
  on('#book-new', 'click', () => open(null));
  on('#book-cancel', 'click', close);
  on('#book-form', 'submit', saveBook);
  on('#book-cover-upload', 'click', uploadCover);
}

export function open(book) {
  editing = book || null;
  const form = $('#book-form');
  form.reset();
  $('#book-form-title').textContent = book ? `Edit “${book.title}”` : 'Add a book';
  if (book) {
    for (const input of fieldInputs()) {
      const value = book[input.name];
      input.value = input.name === 'tags' ? (value || []).join(', ') : value === null || value === undefined ? '' : value;
    }
  }
  $('#book-cover-row').hidden = !book;
  const preview = $('#book-cover-preview');
  preview.hidden = !(book && book.cover_file);
  if (book && book.cover_file) preview.src = `/images/cover/${encodeURIComponent(book.cover_file)}`;
  form.hidden = false;
  $('#book-title').focus();
}

function close() {
  editing = null;
  $('#book-form').hidden = true;
}

// What the form says, as API fields; blank optional fields are null.
function bookFromForm() {
  const book = {};
  for (const input of fieldInputs()) {
    const field = input.name;
    const text = input.value.trim();
    if (field === 'tags') book.tags = text ? text.split(',').map((t) => t.trim()).filter(Boolean) : [];
    else if (input.type === 'number') book[field] = text === '' ? null : Number(text);
    else book[field] = text === '' ? null : text;
  }
  return book;
}

async function saveBook(event) {
  event.preventDefault();
  const form = event.target;
  const wanted = bookFromForm();
  await attempt(async () => {
    setBusy(form, true);
    try {
      if (editing) {
        const changes = {};
        for (const [field, value] of Object.entries(wanted)) {
          const before = editing[field] === undefined ? null : editing[field];
          if (JSON.stringify(before) !== JSON.stringify(value)) changes[field] = value;
        }
        if (Object.keys(changes).length === 0) {
          close();
          return;
        }
        const data = await send('PATCH', `/books/${editing.id}`, changes);
        ok(`Saved “${data.result.title}”.`);
      } else {
        const body = {};
        for (const [field, value] of Object.entries(wanted)) {
          if (value !== null && !(Array.isArray(value) && value.length === 0)) body[field] = value;
        }
        const data = await send('POST', '/books', body);
        ok(`Added “${data.result.title}” (book #${data.result.id}).`);
      }
      close();
      await changed();
    } finally {
      setBusy(form, false);
    }
  });
}

async function uploadCover() {
  if (!editing) return;
  const file = $('#book-cover').files[0];
  if (!file) {
    showMessage('error', 'Choose an image first', ['PNG, JPEG, GIF or WebP, up to 2 MiB.']);
    return;
  }
  const body = new FormData();
  body.append('image', file);
  await attempt(async () => {
    const data = await send('PUT', `/books/${editing.id}/cover`, body);
    editing = data.result;
    const preview = $('#book-cover-preview');
    preview.src = `/images/cover/${encodeURIComponent(data.result.cover_file)}`;
    preview.hidden = false;
    ok(`New cover for “${data.result.title}”.`);
    await changed();
  });
}
