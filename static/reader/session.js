// Who is signed in. Normally kept in sessionStorage: a reload keeps the session, closing the
// tab ends it. On a shared catalogue PC in kiosk mode (opened once with ?kiosk=1), only in
// memory: every reload and every idle spell ends it.

const TOKEN = 'reader.token';
const USER = 'reader.user';
const KIOSK = 'reader.kiosk';

let kept = null;

export const isKiosk = () => localStorage.getItem(KIOSK) === '1';

export function setKiosk(on) {
  if (on) localStorage.setItem(KIOSK, '1');
  else localStorage.removeItem(KIOSK);
  forget();
}

export function token() {
  if (isKiosk()) return kept && kept.token;
  return sessionStorage.getItem(TOKEN);
}

export function currentUser() {
  if (isKiosk()) return kept && kept.user;
  try {
    return JSON.parse(sessionStorage.getItem(USER) || 'null');
  } catch (cause) {
    return null;
  }
}

export const isSignedIn = () => Boolean(token() && currentUser());

export function remember(accessToken, user) {
  if (isKiosk()) {
    kept = { token: accessToken, user };
    return;
  }
  sessionStorage.setItem(TOKEN, accessToken);
  sessionStorage.setItem(USER, JSON.stringify(user));
}

export function forget() {
  kept = null;
  sessionStorage.removeItem(TOKEN);
  sessionStorage.removeItem(USER);
}
