// The library admin page. It is one more client of the JSON API (see API.md): every
// change goes through the same endpoints and checks as any other client, so nothing here
// is trusted by the server. The page runs under a strict Content-Security-Policy, which
// is why there is no inline code, no inline style and no innerHTML with data: all text
// from the server goes in through textContent.
'use strict';

(function () {
  const TOKEN_KEY = 'library.token';
  const USER_KEY = 'library.user';
  const PER_PAGE = 20;
  const VIEWS = ['login', 'reset', 'books', 'members', 'loans', 'holds'];
  const ROLES = ['member', 'librarian', 'admin'];

  const $ = (selector, root) => (root || document).querySelector(selector);

  // ---- small DOM helpers ------------------------------------------------------------

  // el('td', {class: 'x', dataset: {id: 1}}, 'text', childNode)
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'dataset') Object.assign(node.dataset, value);
      else if (key === 'class') node.className = value;
      else if (key === 'text') node.textContent = value;
      else if (key in node && key !== 'type') node[key] = value;
      else node.setAttribute(key, value === true ? '' : value);
    }
    for (const child of children) {
      if (child === undefined || child === null || child === false) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  function button(label, action, extra) {
    return el('button', Object.assign({ type: 'button', dataset: { action } }, extra || {}), label);
  }

  function formatDate(value) {
    if (!value) return '';
    const date = new Date(value);
    if (Number.isNaN(date.getTime())) return String(value);
    return date.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
  }

  // ---- messages ---------------------------------------------------------------------

  const messageBox = () => $('#message');

  function showMessage(kind, title, lines) {
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

  function clearMessage() {
    const box = messageBox();
    box.hidden = true;
    box.replaceChildren();
    delete box.dataset.kind;
  }

  const ok = (text) => showMessage('ok', text);

  // Every failure is told in words: the envelope's message, what it means, and each field
  // problem as "field: problem". Nothing is swallowed.
  function showError(error) {
    if (!(error instanceof ApiError)) {
      showMessage('error', 'Something went wrong in this page', [String(error && error.message || error)]);
      return;
    }
    // Field problems say more than the status's general hint, so the hint is for when
    // there are none.
    const lines = Object.entries(error.errors || {}).map(([field, problem]) => `${field}: ${problem}`);
    if (!lines.length && error.hint) lines.push(error.hint);
    showMessage('error', error.message, lines);
  }

  // Run an async action, showing any failure; returns its value or undefined.
  async function attempt(action) {
    try {
      return await action();
    } catch (error) {
      if (!(error instanceof SignedOut)) showError(error);
      return undefined;
    }
  }

  // For a view's own list: a failure that arrives after the user has moved to another
  // view belongs to no one on screen, so it is dropped rather than shown out of context.
  async function loadInto(view, action) {
    try {
      return await action();
    } catch (error) {
      if (!(error instanceof SignedOut) && document.body.dataset.view === view) showError(error);
      return undefined;
    }
  }

  // ---- the API ----------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, message, errors, hint) {
      super(message);
      this.status = status;
      this.errors = errors || {};
      this.hint = hint;
    }
  }

  // Raised after a 401 has already sent the user back to the sign-in form.
  class SignedOut extends Error {}

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

  const token = () => sessionStorage.getItem(TOKEN_KEY);

  async function api(method, path, body) {
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
      signOut('error', 'Your session has ended', ['Please sign in again.']);
      throw new SignedOut();
    }
    if (!response.ok) {
      const message = (data && data.message) || `${response.status} ${response.statusText}`;
      throw new ApiError(response.status, message, data && data.errors, hintFor(response.status, response));
    }
    return { data, response };
  }

  const get = (path) => api('GET', path).then((r) => r.data);
  const send = (method, path, body) => api(method, path, body).then((r) => r.data);

  function query(params) {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) {
      if (value !== undefined && value !== null && value !== '') search.set(key, value);
    }
    const text = search.toString();
    return text ? '?' + text : '';
  }

  // ---- session ----------------------------------------------------------------------

  function currentUser() {
    try {
      return JSON.parse(sessionStorage.getItem(USER_KEY) || 'null');
    } catch (cause) {
      return null;
    }
  }

  const isAdmin = () => (currentUser() || {}).role === 'admin';

  function signIn(accessToken, user) {
    sessionStorage.setItem(TOKEN_KEY, accessToken);
    sessionStorage.setItem(USER_KEY, JSON.stringify(user));
    names.users.clear();
    names.books.clear();
  }

  // A message to show once the next view is up (navigation clears the old one).
  let pending = null;

  function signOut(kind, title, lines) {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(USER_KEY);
    showSession();
    pending = title ? [kind, title, lines] : null;
    if (location.hash !== '#login') location.hash = '#login';
    else route();
  }

  function showSession() {
    const user = currentUser();
    const signedIn = Boolean(token() && user);
    $('#nav').hidden = !signedIn;
    $('#session').hidden = !signedIn;
    $('#whoami').textContent = signedIn ? `${user.username} (${user.role})` : '';
    document.body.classList.toggle('is-admin', signedIn && user.role === 'admin');
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
        signIn(data.access_token, user);
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

  function setBusy(form, busy) {
    for (const control of form.querySelectorAll('button, input, select, textarea')) {
      control.disabled = busy;
    }
  }

  // ---- id → name lookups, so loans and holds show titles and usernames ----------------

  const names = { users: new Map(), books: new Map() };

  async function nameOf(kind, id) {
    const cache = names[kind];
    if (!cache.has(id)) {
      const path = kind === 'users' ? `/users/${id}` : `/books/${id}`;
      cache.set(id, get(path).then(
        (data) => (kind === 'users' ? data.result.username : data.result.title),
        () => `#${id}`,
      ));
    }
    return cache.get(id);
  }

  function nameCell(kind, id) {
    const dataset = kind === 'users' ? { userId: id, label: 'Member' } : { bookId: id, label: 'Book' };
    const cell = el('td', { dataset }, `#${id}`);
    nameOf(kind, id).then((name) => { cell.textContent = name; });
    return cell;
  }

  // ---- paging -----------------------------------------------------------------------

  const pages = { books: 1, members: 1, loans: 1, holds: 1 };

  function renderPager(name, meta, reload) {
    const pager = $(`[data-pager="${name}"]`);
    pager.replaceChildren();
    if (!meta) return;
    const last = Math.max(1, Math.ceil(meta.total / meta.per_page));
    if (last <= 1) return;
    const previous = button('‹ Previous', 'previous', { disabled: meta.page <= 1 });
    const next = button('Next ›', 'next', { disabled: meta.page >= last });
    previous.addEventListener('click', () => { pages[name] = meta.page - 1; reload(); });
    next.addEventListener('click', () => { pages[name] = meta.page + 1; reload(); });
    pager.append(previous, el('span', {}, `Page ${meta.page} of ${last} · ${meta.total} in all`), next);
  }

  function fillTable(name, rows) {
    $(`#${name}-table tbody`).replaceChildren(...rows);
    $(`#${name}-table`).hidden = rows.length === 0;
    $(`#${name}-empty`).hidden = rows.length !== 0;
  }

  // ---- books ------------------------------------------------------------------------

  let editing = null; // the book being edited, or null when adding

  async function loadBooks() {
    const q = $('#book-q').value.trim();
    const params = { q, page: pages.books, per_page: PER_PAGE };
    if ($('#book-available').checked) params.available = 'true';
    if (!q) Object.assign(params, { sort: 'title', order: 'asc' });
    await loadInto('books', async () => {
      const data = await get('/books' + query(params));
      const books = data.result || [];
      for (const book of books) names.books.set(book.id, Promise.resolve(book.title));
      fillTable('books', books.map(bookRow));
      renderPager('books', data.meta, loadBooks);
    });
  }

  function bookRow(book) {
    const cover = book.cover_file
      ? el('img', { class: 'thumb', src: `/images/cover/${encodeURIComponent(book.cover_file)}`, alt: '' })
      : el('span', { class: 'thumb placeholder', 'aria-hidden': 'true' });
    const edit = button('Edit', 'edit');
    const lend = button('Lend', 'lend', { disabled: book.available <= 0 });
    const remove = button('Delete', 'delete', { class: 'danger' });
    edit.addEventListener('click', () => openBookForm(book));
    lend.addEventListener('click', () => startLending(book));
    remove.addEventListener('click', () => deleteBook(book));
    const meta = [book.publisher, book.published_year].filter(Boolean).join(', ');
    return el('tr', { dataset: { bookId: book.id } },
      el('td', { class: 'cover-cell' }, cover),
      el('td', { class: 'title' }, el('strong', {}, book.title), meta ? el('small', {}, meta) : null),
      el('td', { dataset: { label: 'Author' } }, book.author),
      el('td', { class: 'mono', dataset: { label: 'ISBN' } }, book.isbn || '—'),
      el('td', { class: 'available', dataset: { label: 'Available' } }, `${book.available} of ${book.copies}`),
      el('td', { class: 'row-actions' }, edit, lend, remove));
  }

  const BOOK_FIELDS = {
    title: '#book-title',
    author: '#book-author',
    isbn: '#book-isbn',
    publisher: '#book-publisher',
    published_year: '#book-year',
    language: '#book-language',
    copies: '#book-copies',
    tags: '#book-tags',
    description: '#book-description',
  };

  function openBookForm(book) {
    editing = book || null;
    const form = $('#book-form');
    form.reset();
    $('#book-form-title').textContent = book ? `Edit “${book.title}”` : 'Add a book';
    if (book) {
      for (const [field, selector] of Object.entries(BOOK_FIELDS)) {
        const value = book[field];
        $(selector).value = field === 'tags' ? (value || []).join(', ') : value === null || value === undefined ? '' : value;
      }
    }
    $('#book-cover-row').hidden = !book;
    const preview = $('#book-cover-preview');
    preview.hidden = !(book && book.cover_file);
    if (book && book.cover_file) preview.src = `/images/cover/${encodeURIComponent(book.cover_file)}`;
    form.hidden = false;
    $('#book-title').focus();
  }

  function closeBookForm() {
    editing = null;
    $('#book-form').hidden = true;
  }

  // What the form says, as API fields; blank optional fields are null.
  function bookFromForm() {
    const book = {};
    for (const [field, selector] of Object.entries(BOOK_FIELDS)) {
      const text = $(selector).value.trim();
      if (field === 'tags') book.tags = text ? text.split(',').map((t) => t.trim()).filter(Boolean) : [];
      else if (field === 'copies' || field === 'published_year') book[field] = text === '' ? null : Number(text);
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
          // Send only what changed, so a field another librarian edited meanwhile is kept.
          const changes = {};
          for (const [field, value] of Object.entries(wanted)) {
            const before = editing[field] === undefined ? null : editing[field];
            if (JSON.stringify(before) !== JSON.stringify(value)) changes[field] = value;
          }
          if (Object.keys(changes).length === 0) {
            closeBookForm();
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
        closeBookForm();
        await loadBooks();
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
      await loadBooks();
    });
  }

  async function deleteBook(book) {
    if (!window.confirm(`Delete “${book.title}” from the catalogue?`)) return;
    await attempt(async () => {
      await send('DELETE', `/books/${book.id}`);
      ok(`Deleted “${book.title}”.`);
      await loadBooks();
    });
  }

  async function exportBooks() {
    await attempt(async () => {
      const { response } = await api('GET', '/books/export.csv');
      const blob = await response.blob();
      const link = el('a', { href: URL.createObjectURL(blob), download: 'books.csv' });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10000);
    });
  }

  async function importBooks(event) {
    event.preventDefault();
    const file = $('#book-import-file').files[0];
    if (!file) return;
    const body = new FormData();
    body.append('file', file);
    const out = $('#book-import-result');
    out.replaceChildren();
    await attempt(async () => {
      const data = await send('POST', '/books/import', body);
      const r = data.result || {};
      out.append(el('p', {}, `${r.created || 0} added, ${r.updated || 0} updated, ${r.skipped || 0} skipped.`));
      const problems = r.errors || [];
      if (problems.length) {
        out.append(el('ul', { class: 'problems' },
          ...problems.map((p) => el('li', {}, `line ${p.line}: ${p.reason}`))));
      }
      await loadBooks();
    });
  }

  // ---- members ----------------------------------------------------------------------

  async function loadMembers() {
    const q = $('#member-q').value.trim();
    await loadInto('members', async () => {
      const data = await get('/users' + query({ q, page: pages.members, per_page: PER_PAGE }));
      const users = data.result || [];
      for (const user of users) names.users.set(user.id, Promise.resolve(user.username));
      fillTable('members', users.map(memberRow));
      renderPager('members', data.meta, loadMembers);
    });
  }

  function memberRow(user) {
    const me = currentUser() || {};
    let role;
    if (isAdmin()) {
      role = el('select', { class: 'role-select', 'aria-label': `Role of ${user.username}`, dataset: { userId: user.id } },
        ...ROLES.map((r) => el('option', { value: r, selected: r === user.role }, r)));
      role.addEventListener('change', () => changeRole(user, role));
    } else {
      role = el('span', { class: `role role-${user.role}` }, user.role);
    }
    const actions = el('td', { class: 'row-actions' });
    const loans = button('Loans', 'loans');
    loans.addEventListener('click', () => {
      $('#lend-member').value = user.username;
      location.hash = '#loans';
    });
    actions.append(loans);
    if (isAdmin() && user.id !== me.id) {
      const remove = button('Delete', 'delete', { class: 'danger' });
      remove.addEventListener('click', () => deleteMember(user));
      actions.append(remove);
    }
    return el('tr', { dataset: { userId: user.id, username: user.username } },
      el('td', { class: 'title' }, el('strong', {}, user.username)),
      el('td', { dataset: { label: 'Email' } }, user.email || ''),
      el('td', { class: 'role-cell', dataset: { label: 'Role' } }, role),
      el('td', { dataset: { label: 'Joined' } }, formatDate(user.created_at)),
      actions);
  }

  async function changeRole(user, select) {
    const role = select.value;
    select.disabled = true;
    try {
      const done = await attempt(async () => {
        const data = await send('PATCH', `/users/${user.id}/role`, { role });
        user.role = data.result.role;
        ok(`${data.result.username} is now ${data.result.role}.`);
        return true;
      });
      if (!done) select.value = user.role; // show what the server still holds
    } finally {
      select.disabled = false;
    }
  }

  async function deleteMember(user) {
    if (!window.confirm(`Delete the account of ${user.username}? This cannot be undone.`)) return;
    await attempt(async () => {
      await send('DELETE', `/users/${user.id}`);
      ok(`Deleted ${user.username}.`);
      await loadMembers();
    });
  }

  // ---- loans ------------------------------------------------------------------------

  function startLending(book) {
    $('#lend-book').value = book.id;
    $('#lend-book-title').textContent = `“${book.title}”, ${book.available} of ${book.copies} available`;
    location.hash = '#loans';
    $('#lend-member').focus();
  }

  // A member is named by username, or by id when the text is a number.
  async function memberId(text) {
    if (/^\d+$/.test(text)) return Number(text);
    const data = await get(`/users/username/${encodeURIComponent(text)}`);
    return data.result.id;
  }

  async function lend(event) {
    event.preventDefault();
    const form = event.target;
    await attempt(async () => {
      setBusy(form, true);
      try {
        const bookId = Number($('#lend-book').value);
        const userId = await memberId($('#lend-member').value.trim());
        const data = await send('POST', '/loans', { book_id: bookId, user_id: userId });
        const loan = data.result;
        const [title, who] = await Promise.all([nameOf('books', loan.book_id), nameOf('users', loan.user_id)]);
        ok(`Lent “${title}” to ${who}, due ${formatDate(loan.due_at)} (loan #${loan.id}).`);
        form.reset();
        $('#lend-book-title').textContent = '';
        $('#loan-status').value = 'active';
        await loadLoans();
      } finally {
        setBusy(form, false);
      }
    });
  }

  async function loadLoans() {
    const status = $('#loan-status').value;
    await loadInto('loans', async () => {
      const data = await get('/loans' + query({ status, page: pages.loans, per_page: PER_PAGE }));
      fillTable('loans', (data.result || []).map(loanRow));
      renderPager('loans', data.meta, loadLoans);
    });
  }

  function loanRow(loan) {
    const actions = el('td', { class: 'row-actions' });
    if (!loan.returned_at) {
      const giveBack = button('Return', 'return', { class: 'primary' });
      const renew = button('Renew', 'renew');
      giveBack.addEventListener('click', () => returnLoan(loan));
      renew.addEventListener('click', () => renewLoan(loan));
      actions.append(giveBack, renew);
    }
    return el('tr', { dataset: { loanId: loan.id, status: loan.status }, class: `status-${loan.status}` },
      el('td', { class: 'mono' }, `#${loan.id}`),
      nameCell('books', loan.book_id),
      nameCell('users', loan.user_id),
      el('td', { dataset: { label: 'Borrowed' } }, formatDate(loan.borrowed_at)),
      el('td', { dataset: { label: 'Due' } }, formatDate(loan.due_at)),
      el('td', { dataset: { label: 'Status' } }, el('span', { class: `badge badge-${loan.status}` }, loan.status)),
      actions);
  }

  async function returnLoan(loan) {
    await attempt(async () => {
      await send('POST', `/loans/${loan.id}/return`);
      ok(`Loan #${loan.id} returned: “${await nameOf('books', loan.book_id)}” is back.`);
      await loadLoans();
    });
  }

  async function renewLoan(loan) {
    await attempt(async () => {
      const data = await send('POST', `/loans/${loan.id}/renew`);
      ok(`Loan #${loan.id} renewed; now due ${formatDate(data.result.due_at)}.`);
      await loadLoans();
    });
  }

  // ---- holds ------------------------------------------------------------------------

  async function loadHolds() {
    const status = $('#hold-status').value;
    await loadInto('holds', async () => {
      const data = await get('/holds' + query({ status, page: pages.holds, per_page: PER_PAGE }));
      fillTable('holds', (data.result || []).map(holdRow));
      renderPager('holds', data.meta, loadHolds);
    });
  }

  function holdRow(hold) {
    const actions = el('td', { class: 'row-actions' });
    if (hold.status === 'waiting' || hold.status === 'ready') {
      const cancel = button('Cancel', 'cancel', { class: 'danger' });
      cancel.addEventListener('click', () => cancelHold(hold));
      actions.append(cancel);
    }
    const status = hold.status === 'ready' && hold.ready_until
      ? `ready until ${formatDate(hold.ready_until)}`
      : hold.status;
    return el('tr', { dataset: { holdId: hold.id, status: hold.status } },
      el('td', { class: 'mono' }, `#${hold.id}`),
      nameCell('books', hold.book_id),
      nameCell('users', hold.user_id),
      el('td', { dataset: { label: 'Placed' } }, formatDate(hold.created_at)),
      el('td', { dataset: { label: 'Position' } }, hold.position === null || hold.position === undefined ? '' : hold.position),
      el('td', { dataset: { label: 'Status' } }, el('span', { class: `badge badge-${hold.status}` }, status)),
      actions);
  }

  async function cancelHold(hold) {
    if (!window.confirm(`Cancel hold #${hold.id}?`)) return;
    await attempt(async () => {
      await send('DELETE', `/holds/${hold.id}`);
      ok(`Hold #${hold.id} cancelled.`);
      await loadHolds();
    });
  }

  // ---- navigation -------------------------------------------------------------------

  const LOADERS = { books: loadBooks, members: loadMembers, loans: loadLoans, holds: loadHolds };

  function currentView() {
    const name = location.hash.slice(1).split('?')[0];
    return VIEWS.includes(name) ? name : '';
  }

  function route() {
    let view = currentView();
    const signedIn = Boolean(token() && currentUser());
    if (view !== 'reset') {
      if (!signedIn) view = 'login';
      else if (!view || view === 'login') view = 'books';
    }
    if (`#${view}` !== location.hash && view !== 'reset') {
      history.replaceState(null, '', `#${view}`);
    }
    for (const name of VIEWS) $(`#view-${name}`).hidden = name !== view;
    for (const link of document.querySelectorAll('#nav a')) {
      link.classList.toggle('active', link.dataset.view === view);
      if (link.dataset.view === view) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
    document.body.dataset.view = view;
    if (view === 'reset') $('#reset-form').hidden = false;
    if (pending) {
      showMessage(...pending);
      pending = null;
    }
    if (LOADERS[view]) LOADERS[view]();
  }

  function on(selector, event, handler) {
    $(selector).addEventListener(event, handler);
  }

  function start() {
    on('#login-form', 'submit', login);
    on('#forgot-form', 'submit', forgot);
    on('#reset-form', 'submit', resetPassword);
    on('#logout', 'click', () => signOut('ok', 'Signed out.'));
    on('#book-search', 'submit', (e) => { e.preventDefault(); pages.books = 1; loadBooks(); });
    on('#book-available', 'change', () => { pages.books = 1; loadBooks(); });
    on('#book-new', 'click', () => openBookForm(null));
    on('#book-cancel', 'click', closeBookForm);
    on('#book-form', 'submit', saveBook);
    on('#book-cover-upload', 'click', uploadCover);
    on('#book-export', 'click', exportBooks);
    on('#book-import-open', 'click', () => { $('#book-import').hidden = false; });
    on('#book-import-cancel', 'click', () => { $('#book-import').hidden = true; });
    on('#book-import', 'submit', importBooks);
    on('#member-search', 'submit', (e) => { e.preventDefault(); pages.members = 1; loadMembers(); });
    on('#loan-status', 'change', () => { pages.loans = 1; loadLoans(); });
    on('#loan-filter', 'submit', (e) => e.preventDefault());
    on('#lend-form', 'submit', lend);
    on('#hold-status', 'change', () => { pages.holds = 1; loadHolds(); });
    on('#hold-filter', 'submit', (e) => e.preventDefault());
    window.addEventListener('hashchange', () => {
      clearMessage();
      route();
    });
    showSession();
    route();
    // A stored token may have expired or been revoked since; find out now, not mid-task.
    if (token()) {
      attempt(async () => {
        const data = await get('/users/me');
        sessionStorage.setItem(USER_KEY, JSON.stringify(data.result));
        showSession();
      });
    }
    document.body.dataset.ready = 'true';
  }

  // Counted so the browser tests can prove the page runs under its own policy.
  document.addEventListener('securitypolicyviolation', (event) => {
    const seen = Number(document.body.dataset.cspViolations || 0);
    document.body.dataset.cspViolations = String(seen + 1);
    console.error('Content-Security-Policy blocked', event.violatedDirective, event.blockedURI);
  });

  document.addEventListener('DOMContentLoaded', () => {
    start();
  });
})();
