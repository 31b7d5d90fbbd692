// Id → name lookups, so loans and holds show titles and usernames. Each name is asked for
// once a session; the lists that already hold names (books, members) fill the cache.

import { get } from './api.js';
import { el } from './dom.js';

const names = { users: new Map(), books: new Map() };

export function nameOf(kind, id) {
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

// A table cell that shows the id at once and the name when it arrives.
export function nameCell(kind, id) {
  const dataset = kind === 'users' ? { userId: id, label: 'Member' } : { bookId: id, label: 'Book' };
  const cell = el('td', { dataset }, `#${id}`);
  nameOf(kind, id).then((name) => { cell.textContent = name; });
  return cell;
}

export function knowName(kind, id, name) {
  names[kind].set(id, Promise.resolve(name));
}

// Another account may see other names (or none), so a new sign-in starts afresh.
export function forgetNames() {
  names.users.clear();
  names.books.clear();
}
