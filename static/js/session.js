// Who is signed in. The token and the user are kept in sessionStorage, so a reload keeps
// the session and closing the tab ends it. Only storage here: what the page shows about
// the session is in router.js.

const TOKEN_KEY = 'library.token';
const USER_KEY = 'library.user';

export const token = () => sessionStorage.getItem(TOKEN_KEY);

export function currentUser() {
  try {
    return JSON.parse(sessionStorage.getItem(USER_KEY) || 'null');
  } catch (cause) {
    return null;
  }
}

export const isAdmin = () => (currentUser() || {}).role === 'admin';

export const isSignedIn = () => Boolean(token() && currentUser());

export function remember(accessToken, user) {
  sessionStorage.setItem(TOKEN_KEY, accessToken);
  rememberUser(user);
}

export function rememberUser(user) {
  sessionStorage.setItem(USER_KEY, JSON.stringify(user));
}

export function forget() {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(USER_KEY);
}
