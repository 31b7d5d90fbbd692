// The library's calendar (admins): the weekdays it opens and the periods it is closed,
// which due dates and overdue reminders follow. Closed periods are rows added and removed
// on the page and saved together.

import { $, el, button, on } from '../dom.js';
import { get, send } from '../api.js';
import { attempt, loadInto, ok } from '../messages.js';
import { clearProblems, tellProblems, whileBusy } from './notices-forms.js';
import { plural } from './notices-words.js';

const WEEKDAY_WORDS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

const PERIOD_FIELDS = { first_day: 'First day', last_day: 'Last day', reason: 'Why' };

export function init() {
  on('#calendar-form', 'submit', saveCalendar);
  on('#closed-add', 'click', () => {
    addPeriod({ first_day: '', last_day: '', reason: '' });
    $('#closed-table tbody tr:last-child input').focus();
  });
}

export async function loadCalendar() {
  await loadInto('notices', async () => showCalendar((await get('/calendar')).result));
}

function showCalendar(calendar) {
  for (const box of document.querySelectorAll('#calendar-weekdays input')) {
    box.checked = calendar.open_weekdays.includes(Number(box.value));
  }
  $('#closed-table tbody').replaceChildren();
  for (const period of calendar.closed) addPeriod(period);
  showPeriodsEmpty();
}

function showPeriodsEmpty() {
  const none = $('#closed-table tbody').rows.length === 0;
  $('#closed-table').hidden = none;
  $('#closed-empty').hidden = !none;
}

function addPeriod(period) {
  const cell = (field, attrs) => el('td', { dataset: { label: PERIOD_FIELDS[field] } },
    el('input', Object.assign({}, attrs, { dataset: { field }, value: period[field] || '' })));
  const remove = button('Remove', 'remove', { class: 'danger' });
  const row = el('tr', {},
    cell('first_day', { type: 'date', required: true }),
    cell('last_day', { type: 'date', required: true }),
    cell('reason', { maxLength: 200, autocomplete: 'off', placeholder: 'e.g. Christmas holidays' }),
    el('td', { class: 'row-actions' }, remove));
  remove.addEventListener('click', () => {
    row.remove();
    numberPeriods();
    showPeriodsEmpty();
    $('#closed-add').focus();
  });
  $('#closed-table tbody').append(row);
  numberPeriods();
  showPeriodsEmpty();
}

// Each input is named as the API names its field (closed[0].last_day), so a problem the
// server finds lands beside it; the numbers follow the rows as they are added and removed.
function numberPeriods() {
  [...$('#closed-table tbody').rows].forEach((row, index) => {
    for (const input of row.querySelectorAll('input')) {
      const field = input.dataset.field;
      input.name = `closed[${index}].${field}`;
      input.id = `closed-${index}-${field}`;
      input.setAttribute('aria-label', `${PERIOD_FIELDS[field]} of closed period ${index + 1}`);
    }
    row.querySelector('button').setAttribute('aria-label', `Remove closed period ${index + 1}`);
  });
}

async function saveCalendar(event) {
  event.preventDefault();
  const form = event.target;
  const calendar = {
    open_weekdays: [...document.querySelectorAll('#calendar-weekdays input:checked')].map((box) => Number(box.value)),
    closed: [...$('#closed-table tbody').rows].map((row) => ({
      first_day: row.querySelector('[data-field="first_day"]').value,
      last_day: row.querySelector('[data-field="last_day"]').value,
      reason: row.querySelector('[data-field="reason"]').value.trim(),
    })),
  };
  clearProblems(form);
  await attempt(async () => {
    try {
      const saved = (await whileBusy(form, () => send('PUT', '/calendar', calendar))).result;
      showCalendar(saved);
      const open = saved.open_weekdays.map((day) => WEEKDAY_WORDS[day - 1]).join(', ');
      ok(`Calendar saved: open on ${open}; ${plural(saved.closed.length, 'closed period')}.`);
    } catch (error) {
      tellProblems(form, 'The calendar was not saved', error);
    }
  });
}
