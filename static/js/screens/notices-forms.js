// What the Notices screen's forms share: a refusal's field problems shown beside their
// fields, and a form that takes no second click while the server works.

import { el, setBusy } from '../dom.js';
import { ApiError } from '../api.js';
import { showMessage } from '../messages.js';
import { sentence } from './notices-words.js';

export function clearProblems(form) {
  for (const note of form.querySelectorAll('.field-error[data-for]')) note.remove();
  for (const field of form.querySelectorAll('[aria-invalid]')) {
    field.removeAttribute('aria-invalid');
    field.removeAttribute('aria-describedby');
  }
}

// What the page calls a field: its label's own words, its aria-label, or its legend.
function fieldWords(field) {
  if (field.getAttribute('aria-label')) return field.getAttribute('aria-label');
  if (field.tagName === 'FIELDSET') return field.querySelector('legend').textContent.trim();
  const label = field.closest('label');
  if (!label) return field.name;
  return [...label.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE)
    .map((n) => n.textContent).join(' ').replace(/\s+/g, ' ').trim() || field.name;
}

// A 400's field problems beside their fields (named as the API names them), and in the
// message box in the form's own words. Any other failure is thrown on, for attempt().
export function tellProblems(form, title, error) {
  if (!(error instanceof ApiError) || error.status !== 400 || !Object.keys(error.errors).length) throw error;
  const lines = [];
  let first = null;
  for (const [name, problem] of Object.entries(error.errors)) {
    const field = form.querySelector(`[name="${CSS.escape(name)}"]`);
    if (!field) {
      lines.push(`${name}: ${problem}`);
      continue;
    }
    const id = `${field.id}-problem`;
    field.setAttribute('aria-invalid', 'true');
    field.setAttribute('aria-describedby', id);
    const anchor = field.tagName === 'FIELDSET' ? field.querySelector('legend') : field;
    anchor.after(el('small', { class: 'field-error', id, dataset: { for: name } }, sentence(problem)));
    lines.push(`${fieldWords(field)}: ${problem}`);
    first = first || field;
  }
  showMessage('error', title, lines);
  if (first && first.tagName !== 'FIELDSET') first.focus();
}

// Runs `action` with the form's controls disabled, so a second click sends nothing.
export async function whileBusy(form, action) {
  setBusy(form, true);
  try {
    return await action();
  } finally {
    setBusy(form, false);
  }
}
