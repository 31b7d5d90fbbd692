// Signing in and out, and asking for a reset mail. The page is for librarians and admins;
// a member who signs in is told so rather than shown screens the server would refuse.

import { $, on, setBusy } from '../dom.js';
import { ApiError, send } from '../api.js';
import { attempt, clearMessage, ok, showMessage } from '../messages.js';
import { forgetNames } from '../names.js';
import { showSession, signOut } from '../router.js';
import { remember } from '../session.js';

export function init() {
  on('#login-form', 'submit', login);
  on('#forgot-form', 'submit', forgot);
  on('#logout', 'click', () => signOut('ok', 'Signed out.'));
}

async function login(event) {
  event.preventDefault();
  clearMessage();
  const form = event.target;
  const login = $('#login-email').value.trim();
  const password = $('#login-password').value;
  const body = login.includes('@') ? { email: login, password } : { username: login, password };
  await attempt(async () => {
    setBusy(form, true);
    try {
      const data = await send('POST', '/users/login', body).catch((error) => {
        if (error instanceof ApiError && error.status === 401) error.hint = 'The email or password is wrong.';
        throw error;
      });
      const user = data.result;
      if (!user || !['librarian', 'admin'].includes(user.role)) {
        showMessage('error', 'This page is for librarians and admins', [
          `${(user && user.username) || login} is a ${(user && user.role) || 'member'}; ask an admin for the librarian role.`,
        ]);
        return;
      }
      remember(data.access_token, user);
      forgetNames();
      form.reset();
      showSession();
      location.hash = '#books';
    } finally {
      setBusy(form, false);
    }
  });
}

async function forgot(event) {
  event.preventDefault();
  const form = event.target;
  await attempt(async () => {
    const data = await send('POST', '/users/password/forgot', { email: $('#forgot-email').value.trim() });
    form.reset();
    ok((data.result && data.result.detail) || 'If that address has an account, a reset link is on its way.');
  });
}
