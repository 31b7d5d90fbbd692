// The message box at the top of the page. Every failure is told in words: the envelope's
// message, what it means, and each field problem as "field: problem". Nothing is
// swallowed.

import { $, el } from './dom.js';
import { ApiError, SignedOut } from './api.js';

const messageBox = () => $('#message');

export function showMessage(kind, title, lines) {
  const box = messageBox();
  box.replaceChildren();
  box.className = 'message ' + kind;
  box.dataset.kind = kind;
  box.append(el('p', { class: 'message-title' }, title));
  if (lines && lines.length) {
    box.append(el('ul', { class: 'message-lines' }, ...lines.map((line) => el('li', {}, line))));
  }
  const close = el('button', { type: 'button', class: 'message-close', 'aria-label': 'Dismiss' }, '×');
  close.addEventListener('click', clearMessage);
  box.append(close);
  box.hidden = false;
}

export function clearMessage() {
  const box = messageBox();
  box.hidden = true;
  box.replaceChildren();
  delete box.dataset.kind;
}

export const ok = (text) => showMessage('ok', text);

export function showError(error) {
  if (!(error instanceof ApiError)) {
    showMessage('error', 'Something went wrong in this page', [String(error && error.message || error)]);
    return;
  }
  // A refusal's sentence says it best; field problems say more than the status's general
  // hint, so the hint is for when there are none.
  const lines = error.detail
    ? [error.detail]
    : Object.entries(error.errors || {}).map(([field, problem]) => `${field}: ${problem}`);
  if (!lines.length && error.hint) lines.push(error.hint);
  showMessage('error', error.message, lines);
}

// A failure as one sentence, for places with room for a line only (the desk).
export function inWords(error) {
  if (!(error instanceof ApiError)) return `Something went wrong in this page: ${String(error && error.message || error)}`;
  if (error.detail) return error.detail;
  const problems = Object.entries(error.errors || {}).map(([field, problem]) => `${field}: ${problem}`);
  if (problems.length) return problems.join('; ');
  return error.hint ? `${error.message}: ${error.hint}` : error.message;
}

// Run an async action, showing any failure; returns its value or undefined.
export async function attempt(action) {
  try {
    return await action();
  } catch (error) {
    if (!(error instanceof SignedOut)) showError(error);
    return undefined;
  }
}

// For a view's own list: a failure that arrives after the user has moved to another
// view belongs to no one on screen, so it is dropped rather than shown out of context.
export async function loadInto(view, action) {
  try {
    return await action();
  } catch (error) {
    if (!(error instanceof SignedOut) && document.body.dataset.view === view) showError(error);
    return undefined;
  }
}
