// Small DOM helpers. Every piece of server text goes into the page through el() (as
// textContent), never through innerHTML: the page runs under a strict
// Content-Security-Policy, and a book title must never become markup.

export const $ = (selector, root) => (root || document).querySelector(selector);

// el('td', {class: 'x', dataset: {id: 1}}, 'text', childNode)
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key in node && key !== 'type') node[key] = value;
    else node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

export function button(label, action, extra) {
  return el('button', Object.assign({ type: 'button', dataset: { action } }, extra || {}), label);
}

// A bare day ("2027-07-31") is that day wherever the browser is, not the day of midnight UTC there.
function parseDate(value) {
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  return day ? new Date(Number(day[1]), Number(day[2]) - 1, Number(day[3])) : new Date(value);
}

export function formatDate(value) {
  if (!value) return '';
  const date = parseDate(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return date.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}

// "14 Dec": a due date at the desk, where the year goes without saying.
export function formatDay(value) {
  const date = new Date(value);
  if (!value || Number.isNaN(date.getTime())) return String(value || '');
  return date.toLocaleDateString(undefined, { day: 'numeric', month: 'short' });
}

// A form waiting for the server takes no second submit.
export function setBusy(form, busy) {
  for (const control of form.querySelectorAll('button, input, select, textarea')) {
    control.disabled = busy;
  }
}

export function on(selector, event, handler) {
  $(selector).addEventListener(event, handler);
}
