// Choosing a new password at /admin/#reset?token=…, with the token from a reset mail (the
// mail itself links to /reset-password, a page of its own: reset-password.js).

import { $, on } from '../dom.js';
import { send } from '../api.js';
import { attempt, showMessage } from '../messages.js';

export function init() {
  on('#reset-form', 'submit', resetPassword);
}

export function show() {
  $('#reset-form').hidden = false;
}

function resetToken() {
  const hash = location.hash.slice(1);
  const at = hash.indexOf('?');
  return at < 0 ? '' : new URLSearchParams(hash.slice(at + 1)).get('token') || '';
}

async function resetPassword(event) {
  event.preventDefault();
  const form = event.target;
  const password = $('#reset-password').value;
  if (password !== $('#reset-repeat').value) {
    showMessage('error', 'The two passwords differ', ['Type the same password twice.']);
    return;
  }
  const tokenText = resetToken();
  if (!tokenText) {
    showMessage('error', 'This link has no reset token', ['Open the link from the reset mail again.']);
    return;
  }
  await attempt(async () => {
    const data = await send('POST', '/users/password/reset', { token: tokenText, password });
    form.reset();
    form.hidden = true;
    showMessage('ok', (data.result && data.result.detail) || 'The password is changed.', [
      'You can now sign in with it.',
    ]);
  });
}
