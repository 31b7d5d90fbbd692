// When notices go out (admins): the daily run's hour and language, when each reminder is
// due, the daily backup; and today's run by hand, with a report of what it did.

import { $, el, on } from '../dom.js';
import { get, send } from '../api.js';
import { attempt, loadInto, ok } from '../messages.js';
import { clearProblems, tellProblems, whileBusy } from './notices-forms.js';
import { loadLog } from './notices-log.js';
import { loadSlips } from './notices-slips.js';
import { plural } from './notices-words.js';

const FLAGS = ['enabled', 'daily_backup'];
const NUMBERS = ['hour', 'due_soon_days', 'overdue_first_days', 'overdue_every_days', 'overdue_reminders', 'backups_kept'];
const TEXTS = ['language', 'library_name'];

let sendingEnabled = true; // the saved setting, to explain a run that made nothing

export function init() {
  on('#notice-settings-form', 'submit', saveSettings);
  on('#notices-run', 'click', runNow);
}

const setting = (name) => $(`#notice-settings-form [name="${name}"]`);

function showSettings(settings) {
  for (const name of FLAGS) setting(name).checked = Boolean(settings[name]);
  for (const name of [...NUMBERS, ...TEXTS]) setting(name).value = settings[name];
  sendingEnabled = Boolean(settings.enabled);
}

export async function loadSettings() {
  await loadInto('notices', async () => showSettings((await get('/notices/settings')).result));
}

async function saveSettings(event) {
  event.preventDefault();
  const form = event.target;
  const body = {};
  for (const name of FLAGS) body[name] = setting(name).checked;
  for (const name of NUMBERS) body[name] = Number(setting(name).value);
  for (const name of TEXTS) body[name] = setting(name).value.trim();
  clearProblems(form);
  await attempt(async () => {
    try {
      showSettings((await whileBusy(form, () => send('PATCH', '/notices/settings', body))).result);
      ok('Notice settings saved.');
    } catch (error) {
      tellProblems(form, 'The notice settings were not saved', error);
    }
  });
}

async function runNow() {
  const form = $('#notice-settings-form');
  const out = $('#notices-run-report');
  out.hidden = true;
  await attempt(async () => {
    const report = (await whileBusy(form, () => send('POST', '/notices/run', {}))).result;
    const lines = [
      `${plural(report.created, 'new notice')}, of them ${plural(report.slips, 'slip')} to print`,
      `${plural(report.sent, 'mail')} sent`,
      `${plural(report.failed, 'mail')} failed`,
    ];
    if (report.failed) lines.push('The send log says why; they are tried again later, or send them again from there.');
    if (!report.created && !sendingEnabled) lines.push('Sending notices is switched off above.');
    out.replaceChildren(el('p', { class: 'summary' }, `Today's notices (${report.day}):`),
      el('ul', {}, ...lines.map((line) => el('li', {}, line))));
    out.hidden = false;
    await Promise.all([loadLog(), loadSlips()]);
  });
}
