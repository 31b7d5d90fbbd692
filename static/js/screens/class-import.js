// A class list from the school's office, as CSV: "Preview" asks the server what it would
// do with each row (a dry run: nothing written) and shows it line by line; "Import" does
// it, and only once a preview of this very file has no rejected row, since the server
// writes nothing of a file with one.

import { $, el, on, setBusy } from '../dom.js';
import { ApiError, send } from '../api.js';
import { attempt, ok, showMessage } from '../messages.js';

const ACTION_WORDS = {
  create: 'New',
  update: 'Update',
  unchanged: 'No change',
  reject: 'Rejected',
};

let previewed = null; // the file whose clean preview allows importing it

export function init() {
  on('#class-file', 'change', forget);
  on('#class-import', 'submit', (event) => { event.preventDefault(); preview(); });
  on('#class-import-submit', 'click', importFile);
}

function forget() {
  previewed = null;
  $('#class-import-submit').disabled = true;
  $('#class-summary').textContent = '';
  $('#class-rows tbody').replaceChildren();
  $('#class-rows-wrap').hidden = true;
}

// The report is the answer's result; a refusal (422, rejected rows) carries it too.
function reportIn(body) {
  for (const candidate of [body && body.result, body && body.params, body && body.detail, body]) {
    if (candidate && typeof candidate === 'object' && Array.isArray(candidate.rows)) return candidate;
  }
  return null;
}

async function run(dryRun) {
  const file = $('#class-file').files[0];
  if (!file) {
    showMessage('error', 'Choose the CSV file first', ['Use the file field above, then press Preview.']);
    return null;
  }
  const body = new FormData();
  body.append('file', file);
  const form = $('#class-import');
  setBusy(form, true);
  try {
    const data = await send('POST', `/patrons/import?dry_run=${dryRun}`, body);
    return { file, report: reportIn(data) || {} };
  } catch (error) {
    const report = error instanceof ApiError ? reportIn(error.body) : null;
    if (!report) throw error;
    return { file, report, refused: error };
  } finally {
    setBusy(form, false);
    // setBusy() enables every button; Import only follows a clean preview.
    $('#class-import-submit').disabled = !previewed;
  }
}

async function preview() {
  forget();
  await attempt(async () => {
    const outcome = await run(true);
    if (!outcome) return;
    const { file, report, refused } = outcome;
    render(report);
    const rejected = report.rejected || 0;
    const toWrite = (report.created || 0) + (report.updated || 0);
    let next;
    if (rejected) next = `Fix the rejected ${rejected === 1 ? 'line' : 'lines'} in the file, choose it again and preview again: nothing can be imported while a line is rejected.`;
    else if (!toWrite) next = 'Nothing to change: everyone in the file is already here as it says.';
    else next = 'Nothing is written yet: press Import to do it.';
    $('#class-summary').textContent = `Preview: ${counts(report)}. ${next}`;
    if (refused && !rejected) throw refused;
    if (!rejected && toWrite) {
      previewed = file;
      $('#class-import-submit').disabled = false;
    }
  });
}

async function importFile() {
  const file = $('#class-file').files[0];
  if (!previewed || file !== previewed) {
    forget();
    showMessage('error', 'Preview the file first', ['Import is for a file whose preview has no rejected line.']);
    return;
  }
  await attempt(async () => {
    const outcome = await run(false);
    if (!outcome) return;
    const { report, refused } = outcome;
    render(report);
    previewed = null;
    $('#class-import-submit').disabled = true;
    if (refused) {
      $('#class-summary').textContent = `Nothing was imported: ${counts(report)}.`;
      showMessage('error', refused.message, ['The file changed since its preview: some lines are now rejected. Nothing was imported.']);
      return;
    }
    $('#class-summary').textContent = `Imported: ${counts(report)}.`;
    ok(`Class list imported: ${counts(report)}.`);
  });
}

// A refused import's report has the rows but not every count: those are counted here.
function counts(report) {
  const actions = { created: 'create', updated: 'update', unchanged: 'unchanged', rejected: 'reject' };
  const n = (key) => (typeof report[key] === 'number'
    ? report[key]
    : (report.rows || []).filter((row) => row.action === actions[key]).length);
  return `${n('created')} new, ${n('updated')} updated, ${n('unchanged')} unchanged, ${n('rejected')} rejected`;
}

function render(report) {
  const rows = (report.rows || []).map((row) => el('tr', { class: `import-${row.action}`, dataset: { line: row.line, action: row.action } },
    el('td', { class: 'mono', dataset: { label: 'Line' } }, row.line),
    el('td', { dataset: { label: 'Action' } }, el('span', { class: `badge badge-import-${row.action}` }, ACTION_WORDS[row.action] || row.action)),
    el('td', { class: 'title', dataset: { label: 'Name' } }, row.full_name || ''),
    el('td', { dataset: { label: 'Group' } }, row.group || ''),
    el('td', { class: 'mono', dataset: { label: 'Card' } }, row.card_number || ''),
    el('td', { class: 'problems', dataset: { label: 'Problems' } }, (row.errors || []).join('; '))));
  $('#class-rows tbody').replaceChildren(...rows);
  $('#class-rows-wrap').hidden = rows.length === 0;
}
