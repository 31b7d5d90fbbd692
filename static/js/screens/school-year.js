// The end of the school year for one group: the cards of those staying (typed, pasted or
// scanned one per line) move to the new group, everyone else in the group is marked as
// left. "Preview" shows who moves and who leaves without writing anything; "Confirm" does
// exactly what was previewed, and is off again as soon as the form says something else.

import { $, el, on, setBusy } from '../dom.js';
import { send } from '../api.js';
import { attempt, ok, showMessage } from '../messages.js';

let previewed = null; // the request (as JSON text) whose preview may be confirmed

export function init() {
  on('#year-form', 'submit', (event) => { event.preventDefault(); preview(); });
  on('#year-form', 'input', () => {
    if (previewed && previewed !== JSON.stringify(request())) stale();
  });
  on('#year-confirm', 'click', confirm);
}

// One card a line, or separated by commas or semicolons.
function cards() {
  return $('#year-cards').value.split(/[\n\r,;]+/).map((card) => card.trim()).filter(Boolean);
}

function request() {
  return { group: $('#year-group').value.trim(), new_group: $('#year-new-group').value.trim(), cards: cards() };
}

function stale() {
  previewed = null;
  const button = $('#year-confirm');
  button.disabled = true;
  button.textContent = 'Confirm';
  $('#year-summary').textContent = 'The form changed since the preview: preview again.';
}

function missing(wanted) {
  const found = [];
  if (!wanted.group) found.push('Group: which group ends its year?');
  if (!wanted.new_group) found.push('New group: where do those staying go?');
  if (wanted.group && wanted.group === wanted.new_group) found.push('New group: it is the same group.');
  return found;
}

async function post(wanted, dryRun) {
  const form = $('#year-form');
  setBusy(form, true);
  try {
    return (await send('POST', '/patrons/school-year', Object.assign({}, wanted, { dry_run: dryRun }))).result;
  } finally {
    setBusy(form, false);
    // setBusy() enables every button; Confirm only follows a preview of this very form.
    $('#year-confirm').disabled = !previewed;
  }
}

async function preview() {
  const wanted = request();
  previewed = null;
  $('#year-confirm').disabled = true;
  $('#year-confirm').textContent = 'Confirm';
  $('#year-summary').textContent = '';
  $('#year-result').hidden = true;
  const found = missing(wanted);
  if (found.length) {
    showMessage('error', 'The school year step needs more', found);
    return;
  }
  await attempt(async () => {
    const result = await post(wanted, true);
    const moved = result.moved || [];
    const left = result.left || [];
    render(wanted, result, false);
    if (!moved.length && !left.length) {
      $('#year-summary').textContent = `Nobody is in group ${wanted.group}: nothing to do.`;
      return;
    }
    $('#year-summary').textContent = `Preview: ${moved.length} move from ${wanted.group} to ${wanted.new_group}, `
      + `${left.length} ${left.length === 1 ? 'leaves' : 'leave'}. Nothing is written yet.`;
    previewed = JSON.stringify(wanted);
    const button = $('#year-confirm');
    button.textContent = `Confirm: ${moved.length} move, ${left.length} ${left.length === 1 ? 'leaves' : 'leave'}`;
    button.disabled = false;
  });
}

async function confirm() {
  const wanted = request();
  if (!previewed || previewed !== JSON.stringify(wanted)) {
    stale();
    return;
  }
  await attempt(async () => {
    const result = await post(wanted, false);
    previewed = null;
    const button = $('#year-confirm');
    button.disabled = true;
    button.textContent = 'Confirm';
    const moved = (result.moved || []).length;
    const left = (result.left || []).length;
    render(wanted, result, true);
    const said = `School year done for ${wanted.group}: ${moved} moved to ${wanted.new_group}, ${left} marked as left.`;
    $('#year-summary').textContent = said;
    ok(said);
  });
}

function person(patron) {
  const card = patron.card_number ? ` — card ${patron.card_number}` : ' — no card';
  return el('li', { dataset: { userId: patron.id, card: patron.card_number || '' } }, patron.full_name || patron.username, card);
}

// `done`: the step was taken, not only previewed.
function render(wanted, result, done) {
  const moved = result.moved || [];
  const left = result.left || [];
  $('#year-moved-title').textContent = `${done ? 'Moved' : 'Moving'} to ${wanted.new_group} (${moved.length})`;
  $('#year-left-title').textContent = `${done ? 'Left' : 'Leaving'} (${left.length})`;
  $('#year-moved').replaceChildren(...(moved.length ? moved.map(person) : [el('li', { class: 'hint' }, 'Nobody')]));
  $('#year-left').replaceChildren(...(left.length ? left.map(person) : [el('li', { class: 'hint' }, 'Nobody')]));
  $('#year-result').hidden = false;
}
