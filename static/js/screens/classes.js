// Class lists: the screen where a school's patrons come in (a class list's import) and
// move on (the end of the school year). Each part is a module of its own.

import * as classImport from './class-import.js';
import * as schoolYear from './school-year.js';

export function init() {
  classImport.init();
  schoolYear.init();
}
