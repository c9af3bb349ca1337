// Zendesk's vocabulary and the normalised ticket desk's, both ways. The
// tables below are the whole mapping; the functions only look them up.
//
// Statuses, read (Zendesk `status` → category; the status name is
// Zendesk's own word):
//
// | `status` | assignee | category      | note                                             |
// |----------|----------|---------------|--------------------------------------------------|
// | new      | —        | `new`         | nobody has acted on it                           |
// | open     | none     | `open`        | waiting for an agent to take it                  |
// | open     | someone  | `in-progress` | Zendesk: "assigned and being worked on"          |
// | pending  | —        | `pending`     | waiting on the requester                         |
// | hold     | —        | `pending`     | waiting on a third party (named `hold`)          |
// | solved   | —        | `resolved`    | may still be reopened by a reply                 |
// | closed   | —        | `closed`      | read-only in Zendesk                             |
//
// Zendesk has one `open` status for both "acknowledged" and "someone is on
// it"; the assignee tells them apart, as Zendesk's own definition of open
// ("assigned to an agent and in progress") does.
//
// Statuses, written (category → Zendesk `status`):
//
// | category      | `status` | and                                                           |
// |---------------|----------|---------------------------------------------------------------|
// | `new`         | new      | (Zendesk refuses to move a ticket back to new)                |
// | `open`        | open     |                                                               |
// | `in-progress` | open     | assigned to the credential's own user when nobody has it      |
// | `pending`     | pending  |                                                               |
// | `resolved`    | solved   |                                                               |
// | `closed`      | closed   |                                                               |
//
// Priorities (Zendesk `priority` ↔ normalised), read and written:
//
// | `priority` | read as    | written from          |
// |------------|------------|-----------------------|
// | urgent     | `critical` | `critical`            |
// | high       | `high`     | `high`                |
// | normal     | `medium`   | `medium`              |
// | low        | `low`      | `low`, `planning`     |
// | (none)     | none       | —                     |
//
// Zendesk has no level below low, so `planning` is written as `low` and
// reads back as `low`: that direction loses the difference.

/** Zendesk `status` (and whether someone is assigned) → category. */
export const STATUS_CATEGORIES = Object.freeze([
  { status: 'new', assigned: null, category: 'new' },
  { status: 'open', assigned: false, category: 'open' },
  { status: 'open', assigned: true, category: 'in-progress' },
  { status: 'pending', assigned: null, category: 'pending' },
  { status: 'hold', assigned: null, category: 'pending' },
  { status: 'solved', assigned: null, category: 'resolved' },
  { status: 'closed', assigned: null, category: 'closed' },
]);

/** Category → the Zendesk `status` written for it. */
export const CATEGORY_STATUS = Object.freeze([
  ['new', 'new'],
  ['open', 'open'],
  ['in-progress', 'open'],
  ['pending', 'pending'],
  ['resolved', 'solved'],
  ['closed', 'closed'],
]);

/** Zendesk `priority` → normalised priority. */
export const PRIORITY_LEVELS = Object.freeze([
  ['urgent', 'critical'],
  ['high', 'high'],
  ['normal', 'medium'],
  ['low', 'low'],
]);

/** Normalised priority → the Zendesk `priority` written for it. */
export const LEVEL_PRIORITY = Object.freeze([
  ['critical', 'urgent'],
  ['high', 'high'],
  ['medium', 'normal'],
  ['low', 'low'],
  ['planning', 'low'],
]);

/** Every Zendesk status, in its life order. */
export const STATUSES = Object.freeze(['new', 'open', 'pending', 'hold', 'solved', 'closed']);
/** Every Zendesk priority, most urgent first. */
export const PRIORITIES = Object.freeze(['urgent', 'high', 'normal', 'low']);

function lookup(table, key) {
  return table.find(([known]) => known === key)?.[1] ?? null;
}

/**
 * The category of a ticket with Zendesk `status`, assigned or not. A status
 * Zendesk may add later reads as `open` rather than failing the call.
 */
export function categoryOf(status, assigned) {
  const row = STATUS_CATEGORIES.find(
    (candidate) =>
      candidate.status === status && (candidate.assigned === null || candidate.assigned === Boolean(assigned)),
  );
  return row?.category ?? 'open';
}

/** The Zendesk `status` written for `category`. */
export function statusFor(category) {
  return lookup(CATEGORY_STATUS, category);
}

/** The normalised priority of Zendesk `priority`, or `null` for none. */
export function levelOf(priority) {
  return lookup(PRIORITY_LEVELS, priority);
}

/** The Zendesk `priority` written for normalised `level`. */
export function priorityFor(level) {
  return lookup(LEVEL_PRIORITY, level);
}

/**
 * How to find tickets in any of `categories` with Zendesk search: the
 * `status` values to ask for, and what the assignee must be for `open`
 * tickets (`'none'`, `'someone'` or `null` for either). When `open` must be
 * told apart from `in-progress` while other statuses are wanted too, no one
 * search term can say it: `needsCheck` is then set and the caller keeps
 * only the results whose category (`categoryOf`) is wanted.
 */
export function statusSearch(categories) {
  const rows = STATUS_CATEGORIES.filter((row) => categories.includes(row.category));
  const statuses = STATUSES.filter((status) => rows.some((row) => row.status === status));
  const open = rows.filter((row) => row.status === 'open').map((row) => row.assigned);
  const split = open.length === 1;
  const assignee = split && statuses.length === 1 ? (open[0] ? 'someone' : 'none') : null;
  return { statuses, assignee, needsCheck: split && statuses.length > 1 };
}
