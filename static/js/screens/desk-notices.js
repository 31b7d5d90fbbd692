// "Send notices now" in the desk's patron panel: the patron's notices due today (due soon,
// overdue, hold ready, hold lapsing) that were not sent before go out at once, as mails, or
// as slips to print for a reader without e-mail (POST /patrons/{id}/notices). The outcome
// is said beside the button, for the patron it was asked for; the desk's big line stays
// with the scans.

import { $, el, button, setBusy } from '../dom.js';
import { ApiError, SignedOut, send } from '../api.js';
import { inWords, showMessage } from '../messages.js';
import { plural } from './notices-words.js';

// The panel is drawn afresh after every scan, so what outlives a drawing is kept here: the
// patrons whose request is running, and the last outcome, for the one patron it concerns.
const running = new Set();
let said = null; // { patronId, kind, text }

// The patron is finished: their outcome is not shown to the next one.
export function forget() {
  said = null;
}

export function noticesPart(who) {
  if (said && said.patronId !== who.id) said = null;
  const go = button('Send notices now', 'send-notices', { id: 'desk-send-notices' });
  go.addEventListener('click', () => sendNow(who));
  const part = el('div', { id: 'desk-notices', class: 'desk-notices', dataset: { patronId: who.id } },
    el('div', { class: 'desk-notices-row' }, go, el('span', { class: 'hint' }, howTheyHear(who))),
    el('p', { id: 'desk-notices-said', class: 'desk-notices-said', role: 'status' }));
  show(part, who.id);
  return part;
}

function howTheyHear(who) {
  if (who.email) return `Mails to ${who.email}`;
  return `No e-mail: slips to print${who.group ? ` for ${who.group}` : ''}`;
}

function show(part, patronId) {
  const busy = running.has(patronId);
  setBusy(part, busy);
  const line = part.querySelector('.desk-notices-said');
  const told = busy ? { kind: 'busy', text: 'Sending notices…' } : said && said.patronId === patronId ? said : null;
  line.textContent = told ? told.text : '';
  line.dataset.kind = told ? told.kind : '';
  line.hidden = !told;
}

async function sendNow(who) {
  if (running.has(who.id)) return;
  running.add(who.id);
  redraw(who.id);
  // The button is disabled now; the scanner goes on meanwhile.
  backToScanner();
  let told = null;
  try {
    told = inWordsOf((await send('POST', `/patrons/${who.id}/notices`, {})).result, who);
  } catch (error) {
    if (!(error instanceof SignedOut)) told = { kind: 'error', text: failure(error, who) };
  } finally {
    running.delete(who.id);
  }
  const part = $('#desk-notices');
  if (part && part.dataset.patronId === String(who.id)) {
    if (told) said = { patronId: who.id, ...told };
    show(part, who.id);
    if (document.activeElement === document.body) backToScanner();
  } else if (told) {
    // Another patron is at the desk by now; the outcome still reaches the librarian.
    showMessage(told.kind === 'error' ? 'error' : 'ok', `Notices for ${who.display_name}`, [told.text]);
  }
}

function redraw(patronId) {
  const part = $('#desk-notices');
  if (part && part.dataset.patronId === String(patronId)) show(part, patronId);
}

function backToScanner() {
  if (document.body.dataset.view === 'desk') $('#desk-scan').focus();
}

// The report counts this patron's new notices (`created`, of them `slips`); `sent` and
// `failed` count every mail the run tried, earlier ones due for another attempt included.
function inWordsOf(report, who) {
  const name = who.display_name;
  const mails = report.created - report.slips;
  const parts = [];
  if (!report.created) parts.push(`Nothing new to send to ${name}: every notice due was sent before`);
  if (mails) parts.push(report.failed ? `${plural(mails, 'new mail')} for ${name}` : `Sent ${plural(mails, 'mail')} to ${name}`);
  if (report.slips) parts.push(`${plural(report.slips, 'slip')} to print for ${who.group || name} (see Notices)`);
  if (report.failed) {
    const one = report.failed === 1;
    parts.push(`${plural(report.failed, 'mail')} could not be sent; ${one ? 'it is' : 'they are'} tried again later and ${one ? 'shows' : 'show'} in Notices`);
  } else if (report.sent > mails) {
    parts.push(`${plural(report.sent - mails, 'earlier mail')} waiting for another try went out too`);
  }
  let kind = 'none';
  if (report.failed) kind = 'error';
  else if (report.slips) kind = 'slip';
  else if (report.created) kind = 'ok';
  return { kind, text: `${parts.join('. ')}.` };
}

function failure(error, who) {
  if (error instanceof ApiError && error.status === 404) {
    return `No notices sent: ${who.display_name} is not a patron any more (erased or removed).`;
  }
  return `No notices sent: ${inWords(error)}`;
}
