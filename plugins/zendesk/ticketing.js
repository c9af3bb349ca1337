// Zendesk tickets as the host's normalised ticket desk (the `ticketing`
// interface): `tickets_search`, `tickets_get`, `tickets_create`,
// `tickets_comment` and `tickets_update` reach these functions with this
// plugin's own keys (ticket numbers). The vocabulary is mapped by the
// tables in tables.js.
//
// - search: Zendesk's Search API (`type:ticket` and the filters, built in
//   query.js), most recently updated first. Its pages are offset pages, so
//   the cursor is `{page}:{per_page}`; Zendesk answers at most 1,000
//   results per search, so the last cursor stops there.
// - get: the ticket and its newest 300 comments, oldest first.
// - create: the description is the first, public, comment (a ticket
//   without one is refused by Zendesk, so a blank description becomes the
//   title); the queue is a group (name or id), `default_group` when absent;
//   labels are tags; a requester given by e-mail is found or created by
//   Zendesk, as for a ticket that arrives by e-mail.
// - add-comment: a ticket update with a public reply or an internal note.
// - update: status, priority and assignee in one ticket update; the note
//   is an internal note in the same update (Zendesk has no resolution
//   field, and a public reply would e-mail the requester).
//
// People come back with id, name and e-mail (one `users/show_many` per
// call); the url is the agent interface's, `https://{site}/agent/tickets/{id}`.

import { toolError } from '../../sdk/js/berth.js';
import { get, post } from './client.js';
import { groupId, groups, me, requesterFields, usersById, userId } from './people.js';
import { SEARCH_RESULT_LIMIT, ticketingSearch } from './query.js';
import { defaultGroup } from './settings.js';
import { priorityFor, statusFor } from './tables.js';
import {
  normalised,
  normalisedComment,
  peopleOf,
  readComments,
  readTicket,
  ticketNumber,
  writeTicket,
  writtenComment,
} from './tickets.js';

/** The page and page size a `search` cursor stands for. */
export function parseCursor(cursor, limit) {
  const perPage = Math.min(Math.max(limit || 1, 1), 100);
  if (cursor === null || cursor === undefined || cursor === '') {
    return { page: 1, perPage };
  }
  const match = /^([0-9]{1,4}):([0-9]{1,3})$/.exec(cursor);
  const page = Number(match?.[1]);
  const size = Number(match?.[2]);
  if (!match || page < 2 || size < 1 || size > 100 || page * size > SEARCH_RESULT_LIMIT) {
    throw toolError.invalidArguments(`\`${String(cursor).slice(0, 40)}\` is not a cursor this plugin returned`);
  }
  return { page, perPage: size };
}

/** The cursor after page `page` of `perPage`, when Zendesk has more and will serve it. */
export function nextCursor(page, perPage, hasNext) {
  return hasNext && (page + 1) * perPage <= SEARCH_RESULT_LIMIT ? `${page + 1}:${perPage}` : null;
}

/** Newest `updated` first (RFC 3339 in UTC sorts as text); otherwise as Zendesk ordered them. */
function newestFirst(tickets) {
  const newer = (a, b) => (a.updated_at < b.updated_at ? 1 : a.updated_at > b.updated_at ? -1 : 0);
  // Array.prototype.sort is stable, so ties keep Zendesk's order.
  return [...tickets].sort(newer);
}

/** `search`. */
export function search(query) {
  const { text, categories, check } = ticketingSearch(query);
  const { page, perPage } = parseCursor(query.cursor, query.limit);
  const answer = get(
    'search',
    { query: text, sort_by: 'updated_at', sort_order: 'desc', page, per_page: perPage },
    'the ticket search',
  );
  const found = newestFirst((answer.results ?? []).filter((result) => (result.result_type ?? 'ticket') === 'ticket'));
  const users = peopleOf(found);
  const known = groups();
  const tickets = found.map((ticket) => normalised(ticket, users, known));
  return {
    tickets: check ? tickets.filter((ticket) => categories.includes(ticket.status)) : tickets,
    cursor: nextCursor(page, perPage, Boolean(answer.next_page)),
  };
}

/** `get`. */
export function getTicket(key) {
  const id = ticketNumber(key);
  const ticket = readTicket(id);
  const { comments } = readComments(id);
  const users = peopleOf([ticket], comments);
  return {
    ticket: normalised(ticket, users),
    comments: comments.map((comment) => normalisedComment(comment, users)),
  };
}

/** `create`. */
export function create(ticket) {
  const description = ticket.description.trim() === '' ? ticket.title : ticket.description;
  const fields = { subject: ticket.title, comment: { body: description, public: true }, tags: ticket.labels };
  if (ticket.priority) {
    fields.priority = priorityFor(ticket.priority);
  }
  if (ticket.assignee) {
    fields.assignee_id = userId(ticket.assignee, { agent: true, role: 'assignee' });
  }
  if (ticket.requester) {
    Object.assign(fields, requesterFields(ticket.requester));
  }
  const queue = ticket.queue ?? defaultGroup();
  if (queue) {
    fields.group_id = groupId(queue);
  }
  const created = post('tickets', { ticket: fields }, 'the new ticket').ticket;
  return normalised(created, peopleOf([created]));
}

/** `add-comment`. */
export function addComment(key, comment) {
  const id = ticketNumber(key);
  const { audit } = writeTicket(id, { comment: { body: comment.body, public: comment.public } });
  const stored = writtenComment(id, audit);
  return normalisedComment(stored, usersById([stored.author_id]));
}

/** `update`. */
export function update(key, change) {
  const id = ticketNumber(key);
  const fields = {};
  if (change.status) {
    fields.status = statusFor(change.status);
  }
  if (change.priority) {
    fields.priority = priorityFor(change.priority);
  }
  if (change.assignee) {
    fields.assignee_id =
      change.assignee.tag === 'unassigned' ? null : userId(change.assignee.val, { agent: true, role: 'assignee' });
  }
  if (change.status === 'in-progress' && !change.assignee && readTicket(id).assignee_id == null) {
    // In progress means someone has it: the user working through Berth.
    fields.assignee_id = me().id;
  }
  if (change.note) {
    fields.comment = { body: change.note, public: false };
  }
  if (Object.keys(fields).length === 0) {
    throw toolError.invalidArguments('nothing to update: give a status, note, assignee or priority');
  }
  const { ticket } = writeTicket(id, fields);
  return normalised(ticket, peopleOf([ticket]));
}
