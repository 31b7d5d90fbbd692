// The form that adds a patron or edits one. An edit sends only the fields that changed
// (so the audit log records what was really changed, and another librarian's change to
// another field is kept). The server's field problems are told with the form's own
// labels and marked on their inputs.

import { $, on, setBusy } from '../dom.js';
import { ApiError, send } from '../api.js';
import { attempt, ok, showMessage } from '../messages.js';

// Each field the form edits is an input or text area named after the API field (in
// index.html); its label is how a problem with it is told.
const fieldInputs = () => $('#patron-form').querySelectorAll('input[name], textarea[name]');
const SECRETS = ['pin', 'password'];

let editing = null; // the patron being edited, or null when adding
let firstProblem = null; // the input to focus once the form takes input again
let changed = () => {}; // reloads the list after a save

// `reload` refreshes the list of patrons once the form has changed one.
export function init(reload) {
  changed = reload;
  on('#patron-new', 'click', () => open(null));
  on('#patron-cancel', 'click', close);
  on('#patron-form', 'submit', save);
  on('#patron-form', 'keydown', (event) => {
    if (event.key === 'Escape') close();
  });
}

export function open(patron) {
  editing = patron || null;
  const form = $('#patron-form');
  form.reset();
  unmark();
  $('#patron-form-title').textContent = patron ? `Edit ${patron.display_name}` : 'Add a patron';
  if (patron) {
    for (const input of fieldInputs()) {
      const value = patron[input.name];
      input.value = value === null || value === undefined ? '' : value;
    }
  }
  $('#patron-secret-hint').textContent = !patron
    ? 'Without a PIN or password the patron borrows at the desk but cannot sign in.'
    : patron.can_sign_in
      ? 'Leave both blank to keep the current PIN or password; a new one replaces it.'
      : 'The patron cannot sign in now; a PIN or password lets them.';
  form.hidden = false;
  form.scrollIntoView({ block: 'nearest' });
  $('#patron-full-name').focus();
}

function close() {
  editing = null;
  unmark();
  $('#patron-form').hidden = true;
}

function labelOf(field) {
  const input = $(`#patron-form [name="${field}"]`);
  const label = input && input.closest('label');
  if (!label) return field;
  // The label's own words, without what is typed in its input.
  return [...label.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE).map((n) => n.textContent).join(' ').trim() || field;
}

function unmark() {
  for (const input of fieldInputs()) input.removeAttribute('aria-invalid');
}

// Field problems told with the form's labels ("Card number: is already …"), their inputs
// marked and the first one focused (by save(), once the form is no longer busy).
function inFormWords(error) {
  if (!(error instanceof ApiError)) return error;
  const told = {};
  let first = null;
  for (const [field, problem] of Object.entries(error.errors || {})) {
    told[labelOf(field)] = problem;
    const input = $(`#patron-form [name="${field}"]`);
    if (input) {
      input.setAttribute('aria-invalid', 'true');
      first = first || input;
    }
  }
  error.errors = told;
  firstProblem = first;
  return error;
}

// What the form says, as API fields; blank fields are null.
function wanted() {
  const patron = {};
  for (const input of fieldInputs()) {
    const text = SECRETS.includes(input.name) ? input.value : input.value.trim();
    patron[input.name] = text === '' ? null : text;
  }
  return patron;
}

function changes(patron) {
  const body = {};
  for (const [field, value] of Object.entries(patron)) {
    if (SECRETS.includes(field)) {
      if (value !== null) body[field] = value; // blank keeps the current secret
      continue;
    }
    const before = editing[field] === undefined ? null : editing[field];
    if (before !== value) body[field] = value;
  }
  return body;
}

// Problems the page can tell before asking the server; null when there are none.
function problems(patron) {
  const found = [];
  if (!patron.full_name) found.push('Full name: is needed.');
  if (patron.pin !== null && patron.password !== null) found.push('Give a PIN or a password, not both.');
  if (editing && editing.card_number && patron.card_number === null) {
    found.push('Card number: a card cannot be taken away, only replaced; type the new number.');
  }
  return found.length ? found : null;
}

async function save(event) {
  event.preventDefault();
  const form = event.target;
  unmark();
  const patron = wanted();
  const found = problems(patron);
  if (found) {
    showMessage('error', 'The patron is not saved yet', found);
    return;
  }
  await attempt(async () => {
    setBusy(form, true);
    try {
      let saved;
      if (editing) {
        const body = changes(patron);
        if (Object.keys(body).length === 0) {
          close();
          return;
        }
        saved = (await send('PATCH', `/patrons/${editing.id}`, body).catch((e) => { throw inFormWords(e); })).result;
        ok(`Saved ${saved.display_name}.`);
      } else {
        const body = Object.fromEntries(Object.entries(patron).filter(([, value]) => value !== null));
        saved = (await send('POST', '/patrons', body).catch((e) => { throw inFormWords(e); })).result;
        const card = saved.card_number ? `, card ${saved.card_number}` : '';
        ok(`Added ${saved.display_name}${card}.`);
      }
      close();
      await changed();
    } finally {
      setBusy(form, false);
      if (firstProblem) firstProblem.focus();
      firstProblem = null;
    }
  });
}
