// The wording of each kind of notice in each language: shown as the server has it (the
// library's own or the shipped text), tried out with Preview on a real patron and their
// books, saved, or put back to the shipped text. Only an admin saves; anyone previews.

import { $, on } from '../dom.js';
import { get, send } from '../api.js';
import { attempt, loadInto, ok } from '../messages.js';
import { nameOf } from '../names.js';
import { clearProblems, tellProblems, whileBusy } from './notices-forms.js';
import { KIND_WORDS } from './notices-words.js';

const LANGUAGE_WORDS = { en: 'English', de: 'German' };

let templates = new Map(); // "kind/language" → the wording as the server has it

export function init() {
  on('#wording-kind', 'change', showTemplate);
  on('#wording-language', 'change', showTemplate);
  on('#wording-form', 'submit', (e) => { e.preventDefault(); preview(); });
  on('#wording-save', 'click', saveTemplate);
  on('#wording-reset', 'click', resetTemplate);
}

export async function loadTemplates() {
  await loadInto('notices', async () => {
    const all = (await get('/notices/templates')).result || [];
    templates = new Map(all.map((t) => [`${t.kind}/${t.language}`, t]));
    showTemplate();
  });
}

const chosen = () => ({ kind: $('#wording-kind').value, language: $('#wording-language').value });

const chosenWords = ({ kind, language }) => `“${KIND_WORDS[kind]}” in ${LANGUAGE_WORDS[language]}`;

function showResetState() {
  const { kind, language } = chosen();
  const template = templates.get(`${kind}/${language}`);
  $('#wording-reset').disabled = !(template && template.custom);
  $('#wording-state').textContent = !template ? ''
    : template.custom ? 'The library’s own wording.' : 'The wording that comes with the library server.';
}

function showTemplate() {
  const { kind, language } = chosen();
  const template = templates.get(`${kind}/${language}`);
  clearProblems($('#wording-form'));
  $('#wording-preview-out').hidden = true;
  $('#wording-subject').value = template ? template.subject : '';
  $('#wording-body').value = template ? template.body : '';
  showResetState();
}

async function preview() {
  const form = $('#wording-form');
  const wording = { ...chosen(), subject: $('#wording-subject').value, body: $('#wording-body').value };
  const patron = $('#wording-patron').value.trim();
  if (patron) wording.user_id = Number(patron);
  clearProblems(form);
  $('#wording-preview-out').hidden = true;
  await attempt(async () => {
    try {
      const shown = (await whileBusy(form, () => send('POST', '/notices/templates/preview', wording))).result;
      $('#wording-preview-title').textContent = shown.user_id
        ? `Preview: as ${await nameOf('users', shown.user_id)} would get it`
        : 'Preview: for a made-up reader (no patron has a book out)';
      $('#wording-preview-subject').textContent = shown.subject;
      $('#wording-preview-body').textContent = shown.body;
      $('#wording-preview-out').hidden = false;
    } catch (error) {
      tellProblems(form, 'This wording does not work yet', error);
    } finally {
      showResetState();
    }
  });
}

async function saveTemplate() {
  const form = $('#wording-form');
  const { kind, language } = chosen();
  const wording = { subject: $('#wording-subject').value, body: $('#wording-body').value };
  clearProblems(form);
  await attempt(async () => {
    try {
      const saved = (await whileBusy(form, () => send('PUT', `/notices/templates/${kind}/${language}`, wording))).result;
      templates.set(`${kind}/${language}`, saved);
      ok(`Saved: ${chosenWords({ kind, language })} notices now say this.`);
    } catch (error) {
      tellProblems(form, 'The wording was not saved', error);
    } finally {
      showResetState();
    }
  });
}

async function resetTemplate() {
  const which = chosen();
  if (!window.confirm(`Go back to the shipped wording of ${chosenWords(which)}? The library’s own text is deleted.`)) return;
  await attempt(async () => {
    const shipped = (await send('DELETE', `/notices/templates/${which.kind}/${which.language}`)).result;
    templates.set(`${which.kind}/${which.language}`, shipped);
    showTemplate();
    ok(`${chosenWords(which)} notices say what they said at first again.`);
  });
}
