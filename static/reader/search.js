// Searching: the box with its suggestions as one types, the filters, the results with their
// pages, and the front page's "new in the library".

import { get, query, explain } from './api.js';
import { t } from './i18n.js';
import { el, show, link, heading, coverUrl, availability, newView, announce } from './ui.js';

const PER_PAGE = 20;
const FILTERS = ['q', 'author', 'tag', 'language', 'available', 'sort', 'order'];

export function paramsOf(url) {
  const params = {};
  for (const name of FILTERS) {
    const value = url.searchParams.get(name);
    if (value) params[name] = value;
  }
  const page = Number(url.searchParams.get('page'));
  if (page > 1) params.page = page;
  return params;
}

export const isSearch = (url) => FILTERS.some((name) => url.searchParams.get(name));

// The form shows what the address asks for.
export function fillForm(params) {
  document.getElementById('q').value = params.q || '';
  document.getElementById('f-author').value = params.author || '';
  document.getElementById('f-tag').value = params.tag || '';
  document.getElementById('f-language').value = params.language || '';
  document.getElementById('f-available').checked = params.available === 'true';
  document.getElementById('f-sort').value = params.sort || '';
  document.getElementById('f-order').value = params.order || '';
  if (params.author || params.tag || params.language || params.available || params.sort) {
    document.querySelector('.filters').open = true;
  }
}

export function formParams() {
  const value = (id) => document.getElementById(id).value.trim();
  return {
    q: value('q'),
    author: value('f-author'),
    tag: value('f-tag'),
    language: value('f-language'),
    available: document.getElementById('f-available').checked ? 'true' : '',
    sort: value('f-sort'),
    order: value('f-order'),
  };
}

function card(book) {
  const cover = coverUrl(book);
  const year = book.published_year ? ` (${book.published_year})` : '';
  return el(
    'li',
    { class: 'result', dataset: { bookId: book.id } },
    cover
      ? el('img', { class: 'thumb', src: cover, alt: '', loading: 'lazy', width: 60, height: 90 })
      : el('span', { class: 'thumb none', 'aria-hidden': 'true' }),
    el(
      'div',
      { class: 'result-text' },
      el('h2', { class: 'result-title' }, link(`/book/${book.id}`, book.title)),
      el('p', { class: 'result-author' }, book.author + year),
      el('p', { class: 'result-availability', dataset: { free: book.available } }, availability(book)),
    ),
  );
}

export async function showFront() {
  const live = newView();
  show('front', '', heading(t('front.new'), 1), el('p', { class: 'loading' }, t('app.loading')));
  try {
    const found = await get('/books' + query({ sort: 'created_at', order: 'desc', per_page: 8 }));
    if (!live()) return;
    const list = el('ul', { class: 'results new' }, ...found.result.map(card));
    show(
      'front',
      '',
      heading(t('front.new'), 1),
      found.result.length ? list : el('p', {}, t('front.empty')),
    );
  } catch (error) {
    if (live()) show('front', '', heading(t('front.new'), 1), el('p', { class: 'error-text', role: 'alert' }, explain(error)));
  }
}

export async function showResults(params) {
  const live = newView();
  fillForm(params);
  show('results', t('results.title'), el('p', { class: 'loading' }, t('app.loading')));
  const started = performance.now();
  let found;
  try {
    found = await get('/books' + query(Object.assign({ per_page: PER_PAGE }, params)));
  } catch (error) {
    if (!live()) return;
    show('results', t('results.title'), heading(t('results.title'), 1), el('p', { class: 'error-text', role: 'alert' }, explain(error)));
    return;
  }
  if (!live()) return;
  const meta = found.meta || { total: found.result.length, page: 1, per_page: PER_PAGE };
  let total = t(meta.total === 1 ? 'results.countOne' : 'results.count', { total: meta.total });
  if (meta.total_capped) total = t('results.countCapped', { total: meta.total });
  const nodes = [heading(t('results.title'), 1), el('p', { class: 'count' }, total)];
  if (!found.result.length) nodes.push(el('p', { class: 'empty' }, t('results.none')));
  else nodes.push(el('ul', { class: 'results' }, ...found.result.map(card)));
  const page = meta.page || 1;
  const last = Math.max(1, Math.ceil(meta.total / (meta.per_page || PER_PAGE)));
  if (last > 1) {
    const to = (n) => '/' + query(Object.assign({}, params, { page: n > 1 ? n : '' }));
    nodes.push(
      el(
        'nav',
        { class: 'pager', 'aria-label': t('results.pages') },
        page > 1 ? link(to(page - 1), t('results.previous'), { rel: 'prev' }) : null,
        el('span', {}, t('results.page', { page, last })),
        page < last ? link(to(page + 1), t('results.next'), { rel: 'next' }) : null,
      ),
    );
  }
  show('results', t('results.title'), ...nodes);
  announce(total);
  // How long the search took, and when its results stood on the page counted from the
  // start of the navigation (bench/first_render.py prints both).
  document.body.dataset.resultsMs = String(Math.round(performance.now() - started));
  document.body.dataset.resultsAt = String(Math.round(performance.now()));
}

// Suggestions as one types: titles matching what is typed so far, chosen by arrow keys
// and Enter, or by pointer (the ARIA combobox pattern).
export function wireSuggestions(open) {
  const input = document.getElementById('q');
  const list = document.getElementById('suggestions');
  let timer = null;
  let asked = 0;
  let active = -1;

  // Closing also drops a suggestion still on its way: a search sent meanwhile wins.
  const close = () => {
    clearTimeout(timer);
    asked += 1;
    list.hidden = true;
    list.replaceChildren();
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  };
  const mark = (index) => {
    const options = list.querySelectorAll('[role="option"]');
    options.forEach((option, i) => option.setAttribute('aria-selected', String(i === index)));
    active = index;
    if (options[index]) input.setAttribute('aria-activedescendant', options[index].id);
  };

  input.addEventListener('input', () => {
    clearTimeout(timer);
    const text = input.value.trim();
    if (text.length < 2 || text.length > 100) {
      close();
      return;
    }
    timer = setTimeout(async () => {
      const ask = ++asked;
      let found;
      try {
        found = await get('/books' + query({ q: text, per_page: 6 }));
      } catch (error) {
        // No suggestions is no harm: the search itself says what went wrong.
        return;
      }
      // A later keystroke asked again, or the reader moved on.
      if (ask !== asked || document.activeElement !== input) return;
      list.replaceChildren(
        ...found.result.map((book, i) => {
          const option = el('li', { id: `suggestion-${i}`, role: 'option', 'aria-selected': 'false', dataset: { bookId: book.id } }, `${book.title} — ${book.author}`);
          option.addEventListener('mousedown', (event) => {
            event.preventDefault();
            close();
            open(book.id);
          });
          return option;
        }),
      );
      list.hidden = !found.result.length;
      input.setAttribute('aria-expanded', String(!list.hidden));
      active = -1;
    }, 200);
  });
  input.addEventListener('keydown', (event) => {
    const options = list.querySelectorAll('[role="option"]');
    if (event.key === 'ArrowDown' && options.length) {
      event.preventDefault();
      mark((active + 1) % options.length);
    } else if (event.key === 'ArrowUp' && options.length) {
      event.preventDefault();
      mark(active <= 0 ? options.length - 1 : active - 1);
    } else if (event.key === 'Escape') {
      close();
    } else if (event.key === 'Enter' && active >= 0 && options[active]) {
      event.preventDefault();
      const id = options[active].dataset.bookId;
      close();
      open(id);
    }
  });
  input.addEventListener('blur', () => setTimeout(close, 150));
  return close;
}
