// Navigation: the part after # names the screen (#books, #reset?token=…), each screen is
// a <section id="view-NAME"> in index.html and a module in screens/. Signed out, every
// screen but the reset form leads to the sign-in form.

import { $ } from './dom.js';
import { showMessage } from './messages.js';
import { currentUser, forget, isSignedIn } from './session.js';

// name → the screen's module; its optional show() runs each time the screen comes up.
let screens = {};

export function useScreens(map) {
  screens = map;
}

// A message to show once the next view is up (navigation clears the old one).
let pending = null;

export function showSession() {
  const user = currentUser();
  const signedIn = isSignedIn();
  $('#nav').hidden = !signedIn;
  $('#session').hidden = !signedIn;
  $('#whoami').textContent = signedIn ? `${user.username} (${user.role})` : '';
  document.body.classList.toggle('is-admin', signedIn && user.role === 'admin');
}

export function signOut(kind, title, lines) {
  forget();
  showSession();
  pending = title ? [kind, title, lines] : null;
  if (location.hash !== '#login') location.hash = '#login';
  else route();
}

function currentView() {
  const name = location.hash.slice(1).split('?')[0];
  return Object.keys(screens).includes(name) ? name : '';
}

export function route() {
  let view = currentView();
  if (view !== 'reset') {
    if (!isSignedIn()) view = 'login';
    else if (!view || view === 'login') view = 'books';
  }
  if (`#${view}` !== location.hash && view !== 'reset') {
    history.replaceState(null, '', `#${view}`);
  }
  for (const name of Object.keys(screens)) $(`#view-${name}`).hidden = name !== view;
  for (const link of document.querySelectorAll('#nav a')) {
    link.classList.toggle('active', link.dataset.view === view);
    if (link.dataset.view === view) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  document.body.dataset.view = view;
  if (pending) {
    showMessage(...pending);
    pending = null;
  }
  if (screens[view].show) screens[view].show();
}
