// The JSON API (see API.md). The page is one more client of it: every change goes through
// the same endpoints and checks as any other client's, so nothing here is trusted by the
// server.

import { token } from './session.js';

export class ApiError extends Error {
  // `code` and `detail` come with circulation refusals: a stable name of the reason
  // (item_on_loan, unknown_card…) and an English sentence a librarian can act on.
  constructor(status, message, errors, hint, refusal) {
    super(message);
    this.status = status;
    this.errors = errors || {};
    this.hint = hint;
    this.code = refusal && refusal.code;
    this.detail = refusal && refusal.detail;
    // The whole answer: a few refusals carry a report (a class list's rejected rows).
    this.body = refusal || null;
  }
}

// Raised after a 401 has already sent the user back to the sign-in form.
export class SignedOut extends Error {}

const HINTS = {
  401: 'You are not signed in, or the email or password is wrong.',
  403: 'Your role does not allow this.',
  404: 'It does not exist (any more).',
  409: 'This clashes with what is already there.',
  413: 'The file is too large.',
  415: 'That kind of file is not accepted.',
};

function hintFor(status, response) {
  if (status === 429) {
    const wait = response.headers.get('Retry-After');
    return wait ? `Too many attempts: try again in ${wait} seconds.` : 'Too many attempts: try again later.';
  }
  if (status >= 500) return 'The server failed; the details are in its log.';
  return HINTS[status];
}

// What to do when the server no longer accepts the stored token. Handed in by app.js, so
// this module needs nothing from the navigation that itself calls the API.
let sessionEnded = () => {};

export function whenSessionEnds(handler) {
  sessionEnded = handler;
}

export async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  const bearer = token();
  if (bearer) headers.Authorization = 'Bearer ' + bearer;
  let payload;
  if (body instanceof FormData) {
    payload = body; // the browser sets the multipart boundary itself
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, { method, headers, body: payload, cache: 'no-store' });
  } catch (cause) {
    throw new ApiError(0, 'The server cannot be reached', {}, 'Check the connection and try again.');
  }
  let data = null;
  const type = response.headers.get('Content-Type') || '';
  if (type.includes('json')) {
    try {
      data = await response.json();
    } catch (cause) {
      data = null;
    }
  }
  if (response.status === 401 && bearer) {
    sessionEnded();
    throw new SignedOut();
  }
  if (!response.ok) {
    const message = (data && data.message) || `${response.status} ${response.statusText}`;
    throw new ApiError(response.status, message, data && data.errors, hintFor(response.status, response), data);
  }
  return { data, response };
}

export const get = (path) => api('GET', path).then((r) => r.data);
export const send = (method, path, body) => api(method, path, body).then((r) => r.data);

export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, value);
  }
  const text = search.toString();
  return text ? '?' + text : '';
}
