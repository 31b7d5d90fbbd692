// The page a password-reset mail links to: /reset-password?token=…. The person types a new
// password twice and the page sends it, with the link's token, to POST
// /users/password/reset, then says in words what happened. Like the admin page it runs
// under a strict Content-Security-Policy: no inline code, and server text goes in through
// textContent only.

const $ = (selector) => document.querySelector(selector);

// The token is read once and taken out of the address bar, so it stays out of the
// browser's history and of anything copied from the address bar afterwards.
const token = new URLSearchParams(location.search).get('token') || '';
if (location.search) history.replaceState(null, '', location.pathname);

function showMessage(kind, title, lines) {
  const box = $('#message');
  box.replaceChildren();
  box.className = 'message ' + kind;
  box.dataset.kind = kind;
  const heading = document.createElement('p');
  heading.className = 'message-title';
  heading.textContent = title;
  box.append(heading);
  if (lines.length) {
    const list = document.createElement('ul');
    list.className = 'message-lines';
    for (const line of lines) {
      const item = document.createElement('li');
      item.textContent = line;
      list.append(item);
    }
    box.append(list);
  }
  box.hidden = false;
}

// The envelope's message, then each field problem as "field: problem".
function errorLines(data, status) {
  const lines = Object.entries((data && data.errors) || {}).map(([field, problem]) => `${field}: ${problem}`);
  if (data && data.errors && data.errors.token) {
    lines.push('Ask for a new link where you sign in, and use the newest mail.');
  } else if (status === 429) {
    lines.push('Too many attempts: wait a little and try again.');
  } else if (status >= 500) {
    lines.push('The server failed; the details are in its log.');
  }
  return lines;
}

async function submit(event) {
  event.preventDefault();
  const form = event.target;
  const password = $('#reset-password').value;
  if (password !== $('#reset-repeat').value) {
    showMessage('error', 'The two passwords differ', ['Type the same password twice.']);
    return;
  }
  if (!token) {
    showMessage('error', 'This link has no reset token', ['Open the link from the reset mail again.']);
    return;
  }
  $('#reset-submit').disabled = true;
  let response;
  let data = null;
  try {
    response = await fetch('/users/password/reset', {
      method: 'POST',
      headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
      body: JSON.stringify({ token, password }),
      cache: 'no-store',
    });
    data = await response.json().catch(() => null);
  } catch (cause) {
    $('#reset-submit').disabled = false;
    showMessage('error', 'The server cannot be reached', ['Check the connection and try again.']);
    return;
  }
  $('#reset-submit').disabled = false;
  if (!response.ok) {
    const title = (data && data.message) || `${response.status} ${response.statusText}`;
    showMessage('error', title, errorLines(data, response.status));
    return;
  }
  form.reset();
  form.hidden = true;
  showMessage('ok', (data && data.result && data.result.detail) || 'The password is changed.', [
    'You can now sign in with the new password.',
  ]);
}

// Counted so the browser tests can prove the page runs under its own policy.
document.addEventListener('securitypolicyviolation', () => {
  const seen = Number(document.body.dataset.cspViolations || 0);
  document.body.dataset.cspViolations = String(seen + 1);
});

$('#reset-form').addEventListener('submit', submit);
if (!token) {
  showMessage('error', 'This link has no reset token', ['Open the link from the reset mail again.']);
}
document.body.dataset.ready = 'true';
