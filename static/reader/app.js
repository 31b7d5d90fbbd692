// The reader's page: finds its settings and language, then shows the view the address
// asks for. Addresses: / (new in the library), /?q=… and the filters (results),
// /book/{id}, /?view=sign-in, /?view=account, /?view=forgot, /reset-password?token=….
// Links inside the page change the address without a reload.

import { get } from './api.js';
import { whenSignedOut } from './api.js';
import { pickLanguage, useLanguage, translatePage, t, language } from './i18n.js';
import { isSignedIn, isKiosk, setKiosk } from './session.js';
import { showMessage, clearMessage } from './ui.js';
import { showFront, showResults, paramsOf, isSearch, fillForm, formParams, wireSuggestions } from './search.js';
import { showBook } from './book.js';
import { showSignIn, showAccount, showForgot, showReset, signOut } from './account.js';

let settings = { catalogue_members_only: false, reading_history: false, kiosk_idle_seconds: 120, languages: [{ code: 'en', name: 'English' }] };

let resetToken = null;

function navigate(href, replace) {
  if (replace) history.replaceState(null, '', href);
  else history.pushState(null, '', href);
  route();
}

function route() {
  const url = new URL(location.href);
  const view = url.searchParams.get('view');
  if (url.pathname === '/reset-password') {
    // The token is kept in the page, not in the address bar or the history.
    if (url.searchParams.has('token')) {
      resetToken = url.searchParams.get('token');
      history.replaceState(null, '', '/reset-password');
    }
    return showReset(resetToken);
  }
  if (view === 'sign-in') return showSignIn(url.searchParams.get('next'));
  if (view === 'forgot') return showForgot();
  if (view === 'account') return isSignedIn() ? showAccount(settings) : showSignIn('/?view=account');
  if (settings.catalogue_members_only && !isSignedIn()) {
    return showSignIn(url.pathname + url.search, t('catalogue.membersOnly'));
  }
  const book = /^\/book\/([^/]+)\/?$/.exec(url.pathname);
  if (book) {
    let id;
    try {
      id = decodeURIComponent(book[1]);
    } catch (cause) {
      id = ''; // not even a well-formed address: no such book
    }
    return showBook(id);
  }
  if (isSearch(url)) return showResults(paramsOf(url));
  fillForm({});
  return showFront();
}

function showSession() {
  const signedIn = isSignedIn();
  document.getElementById('nav-account').hidden = !signedIn;
  document.getElementById('nav-sign-out').hidden = !signedIn;
  document.getElementById('nav-sign-in').hidden = signedIn;
}

function languageSwitch() {
  const select = document.getElementById('language');
  select.replaceChildren(
    ...settings.languages.map((entry) => {
      const option = document.createElement('option');
      option.value = entry.code;
      option.textContent = entry.name;
      option.lang = entry.code;
      return option;
    }),
  );
  select.value = language();
  select.addEventListener('change', async () => {
    await useLanguage(select.value, true);
    translatePage();
    route();
  });
}

// On a shared catalogue PC: after a spell of no use the page starts afresh for the next
// reader — signed out, no search, the PC's own language.
const IDLE_NOTICE = 'reader.idle';

function kioskTimer() {
  if (!isKiosk()) return;
  document.body.dataset.kiosk = 'true';
  if (sessionStorage.getItem(IDLE_NOTICE)) {
    sessionStorage.removeItem(IDLE_NOTICE);
    showMessage('ok', t('kiosk.signedOut'));
  }
  let timer = null;
  const restart = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const url = new URL(location.href);
      const untouched = !isSignedIn() && url.pathname === '/' && !url.search && !localStorage.getItem('reader.lang');
      if (untouched) return;
      signOut();
      localStorage.removeItem('reader.lang');
      sessionStorage.setItem(IDLE_NOTICE, '1');
      location.replace('/');
    }, settings.kiosk_idle_seconds * 1000);
  };
  for (const kind of ['keydown', 'pointerdown', 'scroll', 'touchstart']) {
    document.addEventListener(kind, restart, { passive: true });
  }
  restart();
}

function wire() {
  document.addEventListener('click', (event) => {
    const anchor = event.target.closest('a[href]');
    if (!anchor || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    const url = new URL(anchor.href, location.href);
    const inside = url.origin === location.origin && (url.pathname === '/' || url.pathname.startsWith('/book/') || url.pathname === '/reset-password');
    if (!inside || anchor.hash === '#main') return;
    event.preventDefault();
    clearMessage();
    // Focus first: a view that wants it elsewhere (the sign-in form) takes it after.
    document.getElementById('main').focus();
    navigate(url.pathname + url.search);
  });
  window.addEventListener('popstate', route);
  window.addEventListener('reader-navigate', (event) => navigate(event.detail));
  document.addEventListener('session-changed', showSession);
  document.getElementById('search').addEventListener('submit', (event) => {
    event.preventDefault();
    closeSuggestions();
    clearMessage();
    const params = formParams();
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) if (value) search.set(key, value);
    navigate('/?' + search.toString());
  });
  document.getElementById('nav-sign-out').addEventListener('click', () => {
    signOut();
    showMessage('ok', t('signIn.signedOut'));
    navigate('/');
  });
  whenSignedOut(() => {
    showSession();
    showMessage('error', t('signIn.expired'));
  });
}

let closeSuggestions = () => {};

// Policy violations are counted, so a test can tell the page broke no rule of its CSP.
document.addEventListener('securitypolicyviolation', () => {
  document.body.dataset.cspViolations = String(Number(document.body.dataset.cspViolations || 0) + 1);
});

async function start() {
  const url = new URL(location.href);
  if (url.searchParams.get('kiosk') === '1') setKiosk(true);
  if (url.searchParams.get('kiosk') === '0') setKiosk(false);
  try {
    settings = (await get('/reader-settings')).result;
  } catch (error) {
    // The defaults above: the catalogue still opens, in English.
  }
  await useLanguage(pickLanguage(settings.languages), false).catch(() => useLanguage('en', false));
  translatePage();
  languageSwitch();
  wire();
  closeSuggestions = wireSuggestions((id) => navigate(`/book/${id}`));
  showSession();
  kioskTimer();
  await route();
  document.body.dataset.ready = 'true';
}

start().catch((error) => {
  // Never a blank screen: say what failed (in English only if no catalogue could load).
  const main = document.getElementById('main');
  const words = t('error.page', { detail: String((error && error.message) || error) });
  main.textContent = words === 'error.page' ? `The page could not start: ${error && error.message}` : words;
  document.body.dataset.ready = 'error';
});
