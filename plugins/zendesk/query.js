// Zendesk search queries built from structured filters, safely: text from
// a caller is never spliced into the query as syntax.
//
// - Words to find are each quoted (`"vpn" "home"`): every word must occur,
//   and none can act as a property (`status:closed`), an exclusion (`-x`)
//   or a wildcard. Double quotes and control characters are dropped.
// - People and groups are an id (digits) or a quoted value
//   (`assignee:"li.wei@example.com"`, `group:"IT Operations"`).
// - Times are checked to be a date or an RFC 3339 instant in UTC.
// - Statuses and priorities come from fixed tables, never from the caller.
//
// Several terms on one property are alternatives (`status:open
// status:pending`); terms on different properties must all hold.

import { toolError } from '../../sdk/js/berth.js';
import { priorityFor, statusSearch } from './tables.js';

/** Most results Zendesk's search reaches; asking past them is a 422. */
export const SEARCH_RESULT_LIMIT = 1000;

/** Most words a text filter may have: a search, not a document. */
export const MAX_WORDS = 24;

/** `text` without double quotes, backslashes or control characters, trimmed. */
function clean(text) {
  return String(text)
    .replace(/["\\\u0000-\u001f\u007f]/g, ' ')
    .trim();
}

/** `text` as one quoted search value, or `null` when nothing is left of it. */
export function quoted(text) {
  const inner = clean(text).split(/\s+/).filter(Boolean).join(' ');
  return inner === '' ? null : `"${inner}"`;
}

/** Each word of `text` quoted on its own: all must occur. */
export function words(text) {
  const found = clean(text ?? '')
    .split(/\s+/)
    .filter(Boolean);
  if (found.length > MAX_WORDS) {
    throw toolError.invalidArguments(`the text to find has ${found.length} words; give at most ${MAX_WORDS}`);
  }
  return found.map((word) => `"${word}"`);
}

/** Whether `text` is a Zendesk record id. */
export function isId(text) {
  return /^[0-9]{1,19}$/.test(String(text).trim());
}

/**
 * `field:value` naming a person or group: an id as it is, anything else
 * quoted. `special` lists bare words Zendesk gives a meaning (`me`,
 * `none`) that are allowed through.
 */
export function property(field, value, special = []) {
  const text = String(value).trim();
  if (isId(text) || special.includes(text.toLowerCase())) {
    return `${field}:${text.toLowerCase()}`;
  }
  const inner = quoted(text);
  if (inner === null) {
    throw toolError.invalidArguments(`\`${field}\` is empty`);
  }
  return `${field}:${inner}`;
}

/**
 * `text` as a search time: a date (`2026-11-01`) or an RFC 3339 instant in
 * UTC (`2026-11-01T09:30:00Z`, fractions of a second dropped).
 */
export function searchTime(text, name) {
  const given = String(text).trim();
  const date = /^\d{4}-\d{2}-\d{2}$/.exec(given);
  if (date !== null) {
    return given;
  }
  const instant = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.\d+)?Z$/.exec(given);
  if (instant === null) {
    throw toolError.invalidArguments(
      `\`${name}\` must be a date (2026-11-01) or an RFC 3339 time in UTC (2026-11-01T09:30:00Z), ` +
        `not \`${given.slice(0, 40)}\``,
    );
  }
  return `${instant[1]}Z`;
}

/**
 * The Zendesk search for the normalised `query` (the `search-query`
 * record): `{ text, categories, check }`, where `check` says that results
 * must still be kept to `categories` (see `statusSearch`).
 */
export function ticketingSearch(query) {
  const terms = ['type:ticket', ...words(query.text ?? '')];
  const statuses = statusSearch(query.statuses);
  if (query.statuses.length > 0) {
    terms.push(...statuses.statuses.map((status) => `status:${status}`));
    if (statuses.assignee === 'none') {
      terms.push('assignee:none');
    } else if (statuses.assignee === 'someone') {
      terms.push('-assignee:none');
    }
  }
  const priorities = [...new Set(query.priorities.map(priorityFor))];
  terms.push(...priorities.map((priority) => `priority:${priority}`));
  if (query.assignee) {
    terms.push(property('assignee', query.assignee));
  }
  if (query.requester) {
    terms.push(property('requester', query.requester));
  }
  if (query.updatedSince) {
    terms.push(`updated>=${searchTime(query.updatedSince, 'updated-since')}`);
  }
  return { text: terms.join(' '), categories: query.statuses, check: statuses.needsCheck };
}
