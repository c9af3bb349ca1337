// Tickets as Zendesk returns them, read into what the tools show and into
// the normalised `ticket` record, with the people and groups they name
// resolved; and the ticket operations the tools and the desk share.

import { toolError } from '../../sdk/js/berth.js';
import { get, put } from './client.js';
import { groupName, groups, personIn, usersById } from './people.js';
import { agentUrl, site } from './settings.js';
import { categoryOf, levelOf } from './tables.js';

/** Comments read per page (Zendesk's largest page). */
const COMMENT_PAGE = 100;
/** Most comments read of one ticket: its newest, in three pages. */
export const MAX_COMMENTS = 300;

/**
 * The ticket number `key` names; `not-found` for anything that is not one
 * (Zendesk tickets are numbered, so `OPS-12` names no ticket here).
 */
export function ticketNumber(key) {
  const text = String(key).trim();
  if (!/^[0-9]{1,15}$/.test(text) || Number(text) < 1) {
    throw toolError.notFound(`\`${text.slice(0, 100)}\` is not a Zendesk ticket number`);
  }
  return Number(text);
}

/** `ticket {n}`, for messages. */
export function about(id) {
  return `ticket ${id}`;
}

/** Ticket `id` as Zendesk has it. */
export function readTicket(id) {
  return get(`tickets/${id}`, {}, about(id)).ticket;
}

/** Changes ticket `id` with `fields` (the `ticket` object of a PUT); returns `{ticket, audit}`. */
export function writeTicket(id, fields) {
  return put(`tickets/${id}`, { ticket: fields }, about(id));
}

/**
 * The comments of ticket `id`, oldest first: all of them, or the newest
 * `MAX_COMMENTS` (then `truncated` is set). Read newest first in cursor
 * pages, so a long conversation costs at most three requests.
 */
export function readComments(id) {
  const newestFirst = [];
  let after = null;
  let truncated = false;
  while (newestFirst.length < MAX_COMMENTS) {
    const query = { sort_order: 'desc', 'page[size]': COMMENT_PAGE, 'page[after]': after };
    const page = get(`tickets/${id}/comments`, query, `the comments of ${about(id)}`);
    newestFirst.push(...(page.comments ?? []));
    after = page.meta?.has_more ? page.meta.after_cursor : null;
    if (!after) {
      break;
    }
    truncated = newestFirst.length >= MAX_COMMENTS;
  }
  return { comments: newestFirst.slice(0, MAX_COMMENTS).reverse(), truncated };
}

/** A comment's text: its plain-text form where Zendesk gives one. */
export function commentText(comment) {
  return comment.plain_body ?? comment.body ?? '';
}

/** Everyone `tickets` (and `comments`) name, resolved in one go (see `usersById`). */
export function peopleOf(tickets, comments = []) {
  return usersById([
    ...tickets.flatMap((ticket) => [ticket.requester_id, ticket.assignee_id, ticket.submitter_id]),
    ...comments.map((comment) => comment.author_id),
  ]);
}

/** A ticket as the normalised `ticket` record. */
export function normalised(ticket, users, known = groups(), siteName = site()) {
  return {
    key: String(ticket.id),
    title: ticket.subject ?? '',
    description: ticket.description ?? '',
    status: categoryOf(ticket.status, ticket.assignee_id !== null && ticket.assignee_id !== undefined),
    statusName: ticket.status ?? '',
    priority: levelOf(ticket.priority),
    priorityName: ticket.priority ?? null,
    assignee: personIn(users, ticket.assignee_id),
    requester: personIn(users, ticket.requester_id),
    group: groupName(ticket.group_id, known),
    created: ticket.created_at ?? '',
    updated: ticket.updated_at ?? '',
    labels: ticket.tags ?? [],
    url: agentUrl(siteName, ticket.id),
  };
}

/** A comment as the normalised `comment` record. */
export function normalisedComment(comment, users) {
  return {
    id: String(comment.id),
    author: personIn(users, comment.author_id),
    body: commentText(comment),
    public: comment.public !== false,
    created: comment.created_at ?? '',
  };
}

/** A ticket as the tools show it: what an agent needs to choose and act. */
export function summary(ticket, users, known = groups(), siteName = site()) {
  return {
    id: ticket.id,
    url: agentUrl(siteName, ticket.id),
    subject: ticket.subject ?? '',
    status: ticket.status ?? null,
    priority: ticket.priority ?? null,
    type: ticket.type ?? null,
    requester: personIn(users, ticket.requester_id),
    assignee: personIn(users, ticket.assignee_id),
    group: groupName(ticket.group_id, known),
    tags: ticket.tags ?? [],
    created_at: ticket.created_at ?? null,
    updated_at: ticket.updated_at ?? null,
  };
}

/** `summary` and then some: the description, due date and channel. */
export function details(ticket, users, known = groups(), siteName = site()) {
  return {
    ...summary(ticket, users, known, siteName),
    description: ticket.description ?? '',
    due_at: ticket.due_at ?? null,
    channel: ticket.via?.channel ?? null,
    submitter: personIn(users, ticket.submitter_id),
  };
}

/** A comment as the tools show it. */
export function shownComment(comment, users) {
  return {
    id: comment.id,
    author: personIn(users, comment.author_id),
    public: comment.public !== false,
    body: commentText(comment),
    created_at: comment.created_at ?? null,
  };
}

/**
 * The comment a ticket write added, as Zendesk stores it: found among the
 * ticket's newest comments by the write's audit, or read from the audit's
 * `Comment` event when the list does not show it yet.
 */
export function writtenComment(id, audit) {
  const query = { sort_order: 'desc', 'page[size]': 10 };
  const newest = get(`tickets/${id}/comments`, query, `the comments of ${about(id)}`);
  const stored = (newest.comments ?? []).find((comment) => comment.audit_id === audit?.id);
  if (stored) {
    return stored;
  }
  const event = (audit?.events ?? []).find((candidate) => candidate.type === 'Comment');
  if (!event) {
    throw toolError.upstream(null, `Zendesk recorded no comment on ${about(id)}`);
  }
  return { ...event, created_at: event.created_at ?? audit.created_at };
}
