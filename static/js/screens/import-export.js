// The catalogue as CSV: export downloads it (with the token, so not as a plain link);
// import sends a file and reports what was added, updated or skipped, line by line.

import { $, el, on } from '../dom.js';
import { api, send } from '../api.js';
import { attempt } from '../messages.js';

let changed = () => {}; // reloads the list of books after an import

// `reload` refreshes the list of books once an import has changed it.
export function init(reload) {
  changed = reload;
  on('#book-export', 'click', exportBooks);
  on('#book-import-open', 'click', () => { $('#book-import').hidden = false; });
  on('#book-import-cancel', 'click', () => { $('#book-import').hidden = true; });
  on('#book-import', 'submit', importBooks);
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
    await changed();
  });
}
