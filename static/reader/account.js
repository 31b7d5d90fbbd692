// The signed-in reader: signing in (username, e-mail or card number, with password or PIN),
// their loans with Renew, their holds, a reading history where the library allows one,
// and their password and picture. Also the forgotten-password and reset forms.

import { api, get, query, explain } from './api.js';
import { t, formatDate } from './i18n.js';
import { remember, forget, currentUser, isKiosk, token as sessionToken } from './session.js';
import { el, show, link, heading, showMessage, clearMessage, busy, field, newView } from './ui.js';

const titles = new Map();

async function titleOf(bookId) {
  if (!titles.has(bookId)) {
    titles.set(
      bookId,
      get(`/books/${bookId}`).then((found) => found.result.title, () => t('loans.unknownBook', { id: bookId })),
    );
  }
  return titles.get(bookId);
}

// Only a path of this page: `//host` or a backslash would lead elsewhere.
const safeNext = (next) => (next && /^\/(?![/\\])/.test(next) && !next.includes('\\') ? next : '/?view=account');

export function showSignIn(next, notice) {
  newView();
  // A shared PC offers to remember no one's password.
  const kiosk = isKiosk();
  const form = el(
    'form',
    { id: 'sign-in', class: 'card-form' },
    heading(t('signIn.title')),
    notice ? el('p', { class: 'notice-text' }, notice) : null,
    field('login', 'signIn.login', { autocomplete: kiosk ? 'off' : 'username', required: true, maxlength: 254 }),
    field('secret', 'signIn.password', { type: 'password', autocomplete: kiosk ? 'off' : 'current-password', required: true, maxlength: 72 }),
    el('button', { type: 'submit', id: 'sign-in-submit' }, t('signIn.submit')),
    el('p', {}, link('/?view=forgot', t('signIn.forgot'))),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const login = form.querySelector('#login').value.trim();
    const secret = form.querySelector('#secret').value;
    busy(form, true);
    try {
      const answer = await api('POST', '/users/login', { email: login, password: secret });
      remember(answer.access_token, answer.result);
      clearMessage();
      document.dispatchEvent(new CustomEvent('session-changed'));
      window.dispatchEvent(new CustomEvent('reader-navigate', { detail: safeNext(next) }));
    } catch (error) {
      busy(form, false);
      showMessage('error', error.status === 401 ? t('signIn.wrong') : explain(error));
      form.querySelector('#secret').focus();
    }
  });
  show('sign-in', t('signIn.title'), form);
  form.querySelector('#login').focus();
}

export function signOut() {
  forget();
  document.dispatchEvent(new CustomEvent('session-changed'));
}

function loanRow(loan, reload) {
  const overdue = loan.status === 'overdue';
  const row = el('li', { class: 'loan' + (overdue ? ' overdue' : ''), dataset: { loanId: loan.id, status: loan.status } });
  const title = el('span', { class: 'loan-title', id: `loan-title-${loan.id}` }, '…');
  titleOf(loan.book_id).then((text) => {
    title.replaceChildren(link(`/book/${loan.book_id}`, text));
  });
  const due = el('span', { class: 'due' }, overdue ? t('loans.overdue', { date: formatDate(loan.due_at) }) : t('loans.due', { date: formatDate(loan.due_at) }));
  const why = el('p', { class: 'why', role: 'status' });
  // Named with its book for a screen reader: "Renew, Matilda".
  const renew = el('button', { type: 'button', class: 'renew', dataset: { loanId: loan.id }, 'aria-describedby': `loan-title-${loan.id}` }, t('loans.renew'));
  renew.addEventListener('click', async () => {
    renew.disabled = true;
    why.textContent = '';
    try {
      const renewed = await api('POST', `/loans/${loan.id}/renew`);
      showMessage('ok', t('loans.renewed', { date: formatDate(renewed.result.due_at) }));
      reload();
    } catch (error) {
      renew.disabled = false;
      why.textContent = explain(error);
      why.classList.add('error-text');
    }
  });
  row.append(el('div', { class: 'loan-line' }, title, due, renew), why);
  return row;
}

// Where a hold stands: its place in the queue, or the day a ready one waits until.
export function holdState(hold) {
  return hold.status === 'ready'
    ? t('holds.readyUntil', { date: formatDate(hold.ready_until) })
    : t('holds.position', { position: hold.position });
}

// A button that cancels the hold, says so, and redraws with `afterwards`.
export function cancelHoldButton(hold, afterwards, attrs) {
  const cancel = el('button', Object.assign({ type: 'button', class: 'secondary' }, attrs), t('holds.cancel'));
  cancel.addEventListener('click', async () => {
    cancel.disabled = true;
    try {
      await api('DELETE', `/holds/${hold.id}`);
      showMessage('ok', t('holds.cancelled'));
      afterwards();
    } catch (error) {
      cancel.disabled = false;
      showMessage('error', explain(error));
    }
  });
  return cancel;
}

function holdRow(hold, reload) {
  const row = el('li', { class: 'hold', dataset: { holdId: hold.id, status: hold.status } });
  const title = el('span', { class: 'hold-title', id: `hold-title-${hold.id}` }, '…');
  titleOf(hold.book_id).then((text) => title.replaceChildren(link(`/book/${hold.book_id}`, text)));
  const cancel = cancelHoldButton(hold, reload, { class: 'secondary cancel-hold', 'aria-describedby': `hold-title-${hold.id}` });
  row.append(el('div', { class: 'loan-line' }, title, el('span', { class: 'hold-state' }, holdState(hold)), cancel));
  return row;
}

// Each list names the reader: staff signed in here see their own, not the library's.
async function loansSection(me, reload) {
  const [overdue, active] = await Promise.all([
    get('/loans' + query({ user_id: me.id, status: 'overdue', per_page: 100 })),
    get('/loans' + query({ user_id: me.id, status: 'active', per_page: 100 })),
  ]);
  const loans = overdue.result.concat(active.result).sort((a, b) => new Date(a.due_at) - new Date(b.due_at));
  return el(
    'section',
    { id: 'my-loans' },
    heading(t('loans.title'), 2),
    loans.length ? el('ul', { class: 'rows' }, ...loans.map((loan) => loanRow(loan, reload))) : el('p', {}, t('loans.none')),
  );
}

async function holdsSection(me, reload) {
  const [ready, waiting] = await Promise.all([
    get('/holds' + query({ user_id: me.id, status: 'ready', per_page: 100 })),
    get('/holds' + query({ user_id: me.id, status: 'waiting', per_page: 100 })),
  ]);
  const open = ready.result.concat(waiting.result);
  return el(
    'section',
    { id: 'my-holds' },
    heading(t('holds.title'), 2),
    open.length ? el('ul', { class: 'rows' }, ...open.map((hold) => holdRow(hold, reload))) : el('p', {}, t('holds.none')),
  );
}

async function historySection(me, reload) {
  const choice = (await get('/users/me/reading-history')).result;
  const box = el('section', { id: 'my-history' }, heading(t('history.title'), 2));
  const toggle = el('input', { type: 'checkbox', id: 'keep-history', checked: choice.keeping });
  toggle.addEventListener('change', async () => {
    toggle.disabled = true;
    try {
      await api('PUT', '/users/me/reading-history', { keep: toggle.checked });
      showMessage('ok', toggle.checked ? t('history.on') : t('history.off'));
      reload();
    } catch (error) {
      toggle.disabled = false;
      toggle.checked = !toggle.checked;
      showMessage('error', explain(error));
    }
  });
  box.append(el('p', { class: 'check' }, toggle, ' ', el('label', { for: 'keep-history' }, t('history.keep'))), el('p', { class: 'hint' }, t('history.explain')));
  if (choice.keeping) {
    // Newest first; the last 100 books are enough for a page.
    const found = await get('/loans' + query({ user_id: me.id, status: 'returned', order: 'desc', per_page: 100 }));
    const rows = found.result.map((loan) => {
      const title = el('span', {}, '…');
      titleOf(loan.book_id).then((text) => title.replaceChildren(link(`/book/${loan.book_id}`, text)));
      return el('li', {}, title, ' ', el('span', { class: 'hint' }, t('history.returned', { date: formatDate(loan.returned_at) })));
    });
    box.append(rows.length ? el('ul', { class: 'rows history' }, ...rows) : el('p', {}, t('history.none')));
  }
  return box;
}

function profileSection(me, reload) {
  const picture = el('img', { class: 'avatar', src: `/images/profile/${encodeURIComponent(me.image_file)}`, alt: t('profile.picture'), width: 96, height: 96 });
  const upload = el(
    'form',
    { id: 'picture-form' },
    el('label', { for: 'picture' }, t('profile.newPicture')),
    el('input', { type: 'file', id: 'picture', name: 'image', accept: 'image/png,image/jpeg,image/gif,image/webp', required: true }),
    el('button', { type: 'submit' }, t('profile.upload')),
  );
  upload.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData();
    data.append('image', upload.querySelector('#picture').files[0]);
    busy(upload, true);
    try {
      const changed = await api('PUT', `/users/${me.id}/image`, data);
      remember(sessionToken(), Object.assign({}, me, changed.result));
      showMessage('ok', t('profile.pictureChanged'));
      reload();
    } catch (error) {
      busy(upload, false);
      showMessage('error', explain(error));
    }
  });
  const password = el(
    'form',
    { id: 'password-form' },
    heading(t('profile.changePassword'), 3),
    field('current-password', 'profile.currentPassword', { type: 'password', autocomplete: 'current-password', required: true, maxlength: 72 }),
    field('new-password', 'profile.newPassword', { type: 'password', autocomplete: 'new-password', required: true, minlength: 8, maxlength: 72 }),
    field('confirm-password', 'profile.confirmPassword', { type: 'password', autocomplete: 'new-password', required: true, minlength: 8, maxlength: 72 }),
    el('button', { type: 'submit', id: 'password-submit' }, t('profile.savePassword')),
  );
  password.addEventListener('submit', async (event) => {
    event.preventDefault();
    const value = (id) => password.querySelector('#' + id).value;
    if (value('new-password') !== value('confirm-password')) {
      showMessage('error', t('reset.mismatch'));
      return;
    }
    busy(password, true);
    try {
      const changed = await api('PUT', '/users/me/password', { current_password: value('current-password'), new_password: value('new-password') });
      remember(changed.result.access_token, me);
      password.reset();
      showMessage('ok', t('profile.passwordChanged'));
    } catch (error) {
      showMessage('error', explain(error));
    }
    busy(password, false);
  });
  return el(
    'section',
    { id: 'my-profile' },
    heading(t('profile.title'), 2),
    el('div', { class: 'profile' }, picture, el('p', {}, el('strong', {}, me.full_name || me.username), me.card_number ? el('br') : null, me.card_number ? t('profile.card', { card: me.card_number }) : null)),
    upload,
    password,
  );
}


export async function showAccount(settings) {
  const live = newView();
  const me = currentUser();
  const reload = () => showAccount(settings);
  if (!document.querySelector('[data-view="account"]')) {
    show('account', t('account.title'), heading(t('account.title')), el('p', { class: 'loading' }, t('app.loading')));
  }
  try {
    const sections = [await loansSection(me, reload), await holdsSection(me, reload)];
    if (settings.reading_history) sections.push(await historySection(me, reload));
    sections.push(profileSection(me, reload));
    if (!live()) return;
    show('account', t('account.title'), heading(t('account.greeting', { name: me.full_name || me.username })), ...sections);
  } catch (error) {
    if (live()) show('account', t('account.title'), heading(t('account.title')), el('p', { class: 'error-text', role: 'alert' }, explain(error)));
  }
}

export function showForgot() {
  newView();
  const form = el(
    'form',
    { id: 'forgot', class: 'card-form' },
    heading(t('forgot.title')),
    el('p', {}, t('forgot.explain')),
    field('forgot-email', 'forgot.email', { type: 'email', autocomplete: 'email', required: true, maxlength: 254 }),
    el('button', { type: 'submit' }, t('forgot.submit')),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    busy(form, true);
    try {
      await api('POST', '/users/password/forgot', { email: form.querySelector('#forgot-email').value.trim() });
      showMessage('ok', t('forgot.sent'));
    } catch (error) {
      showMessage('error', explain(error));
    }
    busy(form, false);
  });
  show('forgot', t('forgot.title'), form);
}

// Where the reset mail's link lands: /reset-password?token=…
export function showReset(resetToken) {
  newView();
  if (!resetToken) {
    show('reset', t('reset.title'), el('section', { class: 'notice' }, heading(t('reset.title')), el('p', { role: 'alert' }, t('reset.noToken')), el('p', {}, link('/?view=forgot', t('signIn.forgot')))));
    return;
  }
  const form = el(
    'form',
    { id: 'reset', class: 'card-form' },
    heading(t('reset.title')),
    field('reset-password', 'profile.newPassword', { type: 'password', autocomplete: 'new-password', required: true, minlength: 8, maxlength: 72 }),
    field('reset-confirm', 'profile.confirmPassword', { type: 'password', autocomplete: 'new-password', required: true, minlength: 8, maxlength: 72 }),
    el('button', { type: 'submit', id: 'reset-submit' }, t('reset.submit')),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const password = form.querySelector('#reset-password').value;
    if (password !== form.querySelector('#reset-confirm').value) {
      showMessage('error', t('reset.mismatch'));
      return;
    }
    busy(form, true);
    try {
      await api('POST', '/users/password/reset', { token: resetToken, password });
      // The token is spent: keep it out of the address bar and the history.
      history.replaceState(null, '', '/?view=sign-in');
      show('reset', t('reset.title'), el('section', { class: 'notice' }, heading(t('reset.title')), el('p', { role: 'status', id: 'reset-done' }, t('reset.done')), el('p', {}, link('/?view=sign-in', t('nav.signIn')))));
      showMessage('ok', t('reset.done'));
    } catch (error) {
      busy(form, false);
      showMessage('error', error.errors && error.errors.token ? t('reset.expired') : explain(error));
    }
  });
  show('reset', t('reset.title'), form);
}
