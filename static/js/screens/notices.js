// Notices: what the library told its readers and how that went (the send log, with "send
// again" for a mail that has not gone out), the slips to print for readers without e-mail,
// and the wording of each kind of notice, tried out on a real patron before it is saved.
// For admins also when notices go out (the settings, a run by hand) and the library's
// calendar, which due dates and reminders follow. A librarian sees the log, the slips and
// the wording; the rest is an admin's, and the page says so instead of meeting the
// server's refusals. Each part is a module of its own.

import * as log from './notices-log.js';
import * as slips from './notices-slips.js';
import * as wording from './notices-wording.js';
import * as settings from './notices-settings.js';
import * as calendar from './notices-calendar.js';
import { isAdmin } from '../session.js';

export function init() {
  log.init();
  slips.init();
  wording.init();
  settings.init();
  calendar.init();
}

export function show() {
  log.loadLog();
  slips.loadSlips();
  wording.loadTemplates();
  if (isAdmin()) {
    settings.loadSettings();
    calendar.loadCalendar();
  }
}
