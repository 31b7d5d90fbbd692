// The library admin page, the module index.html loads. It is one more client of the JSON
// API (see API.md): every change goes through the same endpoints and checks as any other
// client, so nothing here is trusted by the server. The page runs under a strict
// Content-Security-Policy, which is why there is no inline code, no inline style and no
// innerHTML with data: all text from the server goes in through textContent (js/dom.js).
//
// The code is plain ES modules, served as they are (no build step): js/ holds what the
// screens share, js/screens/ one module per screen. A screen is a
// <section id="view-NAME"> in index.html plus a module exporting init() (wire its
// controls, once) and optionally show() (each time it comes up), named in SCREENS below.

import { get, whenSessionEnds } from './js/api.js';
import { attempt, clearMessage } from './js/messages.js';
import { route, showSession, signOut, useScreens } from './js/router.js';
import { rememberUser, token } from './js/session.js';
import * as login from './js/screens/login.js';
import * as reset from './js/screens/reset.js';
import * as books from './js/screens/books.js';
import * as desk from './js/screens/desk.js';
import * as patrons from './js/screens/patrons.js';
import * as classes from './js/screens/classes.js';
import * as loans from './js/screens/loans.js';
import * as holds from './js/screens/holds.js';
import * as notices from './js/screens/notices.js';
import * as audit from './js/screens/audit.js';

// The patrons screen keeps the address #members, which bookmarks already know.
const SCREENS = { login, reset, books, desk, members: patrons, classes, loans, holds, notices, audit };

// Counted so the browser tests can prove the page runs under its own policy.
document.addEventListener('securitypolicyviolation', (event) => {
  const seen = Number(document.body.dataset.cspViolations || 0);
  document.body.dataset.cspViolations = String(seen + 1);
  console.error('Content-Security-Policy blocked', event.violatedDirective, event.blockedURI);
});

function start() {
  whenSessionEnds(() => signOut('error', 'Your session has ended', ['Please sign in again.']));
  for (const screen of Object.values(SCREENS)) screen.init();
  useScreens(SCREENS);
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
      rememberUser(data.result);
      showSession();
    });
  }
  document.body.dataset.ready = 'true';
}

// A module runs once the document is parsed, before DOMContentLoaded: every element the
// screens look up is there already.
start();
