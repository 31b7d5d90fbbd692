// What the screens' tables share: the page size, each list's current page, the pager
// under a table and filling a table or its "nothing found" line.

import { $, el, button } from './dom.js';

export const PER_PAGE = 20;

export const pages = { books: 1, members: 1, loans: 1, holds: 1, audit: 1 };

export function renderPager(name, meta, reload) {
  const pager = $(`[data-pager="${name}"]`);
  pager.replaceChildren();
  if (!meta) return;
  const last = Math.max(1, Math.ceil(meta.total / meta.per_page));
  if (last <= 1) return;
  const previous = button('‹ Previous', 'previous', { disabled: meta.page <= 1 });
  const next = button('Next ›', 'next', { disabled: meta.page >= last });
  previous.addEventListener('click', () => { pages[name] = meta.page - 1; reload(); });
  next.addEventListener('click', () => { pages[name] = meta.page + 1; reload(); });
  // A capped count is "at least": the catalogue counts, and pages, no further (README).
  const all = meta.total_capped ? `more than ${meta.total}` : `${meta.total}`;
  pager.append(previous, el('span', {}, `Page ${meta.page} of ${last} · ${all} in all`), next);
}

export function fillTable(name, rows) {
  $(`#${name}-table tbody`).replaceChildren(...rows);
  $(`#${name}-table`).hidden = rows.length === 0;
  $(`#${name}-empty`).hidden = rows.length !== 0;
}
