// The Notices screen's words for what the server sends as codes and numbers, shared by its
// parts.

export const KIND_WORDS = {
  due_soon: 'Due soon',
  overdue: 'Overdue',
  hold_ready: 'Hold ready',
  hold_lapsing: 'Hold lapses tomorrow',
};

export const plural = (count, one, many) => `${count} ${count === 1 ? one : many || one + 's'}`;

export function when(seconds) {
  if (!seconds) return '';
  return new Date(seconds * 1000).toLocaleString(undefined,
    { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

export const sentence = (text) => (text ? text[0].toUpperCase() + text.slice(1) : text);

// Who a notice is for: the name the server sends with it, so no row asks for its reader.
// An erased reader has no name left, only the id (and not even that once the account is
// gone).
export function readerWords(notice) {
  if (notice.reader) return notice.reader;
  return notice.user_id ? `#${notice.user_id}` : 'erased reader';
}
