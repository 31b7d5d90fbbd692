// Slips to print: the notices for readers without an e-mail address, by group, each slip
// with the name of the reader it is for. Printing the page prints the slips alone (see
// style.css); "Mark printed" takes exactly the slips on screen off the list.

import { $, el, on } from '../dom.js';
import { get, send, query } from '../api.js';
import { attempt, loadInto, ok } from '../messages.js';
import { whileBusy } from './notices-forms.js';
import { loadLog } from './notices-log.js';
import { plural, readerWords } from './notices-words.js';

// The server takes at most this many slips in one "printed".
const SLIPS_A_CALL = 1000;

let slipsShown = []; // the ids of the slips on screen: what "Mark printed" marks

export function init() {
  on('#slip-filter', 'submit', (e) => { e.preventDefault(); loadSlips(); });
  on('#slips-print', 'click', () => window.print());
  on('#slips-printed', 'click', markPrinted);
}

export async function loadSlips() {
  const group = $('#slip-group').value.trim();
  await loadInto('notices', async () => {
    const slips = (await get('/notices/slips' + query({ group }))).result || [];
    slipsShown = slips.map((slip) => slip.id);
    // The server sorts by group in any letter case; "5b" and "5B" are one class.
    const groups = new Map();
    for (const slip of slips) {
      const key = (slip.group || '').toLowerCase();
      if (!groups.has(key)) groups.set(key, { name: slip.group, slips: [] });
      groups.get(key).slips.push(slip);
    }
    $('#slips').replaceChildren(...[...groups.values()].map(slipGroup));
    $('#slips-empty').hidden = slips.length !== 0;
    $('#slips-print').disabled = slips.length === 0;
    $('#slips-printed').disabled = slips.length === 0;
    $('#slips-summary').textContent = slips.length
      ? `${plural(slips.length, 'slip')} for ${plural(groups.size, 'group')}`
      : '';
  });
}

function slipGroup(group) {
  const heading = group.name ? `Give these slips to ${group.name}` : 'Give these slips to readers without a group';
  return el('section', { class: 'slip-group', dataset: { group: group.name || '' } },
    el('h3', {}, heading),
    ...group.slips.map((slip) => el('article', { class: 'slip', dataset: { noticeId: slip.id } },
      el('p', { class: 'slip-reader' }, `For ${readerWords(slip)}`),
      el('p', { class: 'notice-subject' }, slip.subject),
      el('pre', { class: 'notice-text' }, slip.body))));
}

async function markPrinted() {
  const ids = slipsShown.slice();
  if (!ids.length) return;
  const controls = $('#slips-card');
  await attempt(async () => {
    let printed = 0;
    await whileBusy(controls, async () => {
      for (let at = 0; at < ids.length; at += SLIPS_A_CALL) {
        const done = await send('POST', '/notices/slips/printed', { ids: ids.slice(at, at + SLIPS_A_CALL) });
        printed += done.result.printed;
      }
    });
    ok(`${plural(printed, 'slip')} marked printed. The send log keeps ${printed === 1 ? 'its' : 'their'} text.`);
    await Promise.all([loadSlips(), loadLog()]);
  });
}
