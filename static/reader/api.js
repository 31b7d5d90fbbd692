// The JSON API, as any other client uses it, and its refusals in the reader's words: a
// refusal's `code` has its own message in the catalogue; otherwise the status says what
// went wrong and which fields.

import { token, forget } from './session.js';
import { t, has } from './i18n.js';

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || String(status));
    this.status = status;
    this.code = body && body.code;
    this.params = (body && body.params) || {};
    this.errors = (body && body.errors) || {};
    this.detail = body && body.detail;
  }
}

let signedOut = () => {};

export function whenSignedOut(handler) {
  signedOut = handler;
}

export async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  // Signing in again carries no old token: a mistyped password must not end the session.
  const bearer = path === '/users/login' ? null : token();
  if (bearer) headers.Authorization = 'Bearer ' + bearer;
  let payload;
  if (body instanceof FormData) {
    payload = body;
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, { method, headers, body: payload, cache: 'no-store' });
  } catch (cause) {
    throw new ApiError(0, null);
  }
  let data = null;
  if ((response.headers.get('Content-Type') || '').includes('json')) {
    data = await response.json().catch(() => null);
  }
  if (response.status === 401 && bearer) {
    // The token ran out or was revoked: sign out here too, and say so.
    forget();
    signedOut();
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

export const get = (path) => api('GET', path);

export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '' && value !== false) search.set(key, value);
  }
  const text = search.toString();
  return text ? '?' + text : '';
}

// A failure in the reader's language, as one sentence.
export function explain(error) {
  if (!(error instanceof ApiError)) return t('error.page', { detail: String((error && error.message) || error) });
  if (error.status === 0) return t('error.offline');
  if (error.code && has('error.' + error.code)) return t('error.' + error.code, error.params);
  const fields = Object.keys(error.errors);
  if (error.status === 400 && fields.length) {
    const named = fields.map((field) => (has('field.' + field) ? t('field.' + field) : field));
    if (fields.includes('q')) return t('error.searchTooLong');
    return t('error.invalid', { fields: named.join(', ') });
  }
  const key = 'error.status.' + error.status;
  if (has(key)) return t(key);
  return t(error.status >= 500 ? 'error.status.500' : 'error.unknown', { status: error.status });
}
