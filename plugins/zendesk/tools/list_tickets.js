// `list_tickets`: every ticket of the account, most recently updated
// first, in cursor pages (`GET /api/v2/tickets?page[size]=N&sort=-updated_at`,
// then `page[after]`).

import { tool } from '../../../sdk/js/berth.js';
import { get } from '../client.js';
import { groups } from '../people.js';
import { peopleOf, summary } from '../tickets.js';
import { READS, SUMMARY_OUT, limit, object } from './schema.js';

/** Tickets per page when the call gives no limit. */
const DEFAULT_LIMIT = 25;

function listTickets({ limit: size = DEFAULT_LIMIT, cursor = null }) {
  const query = { 'page[size]': size, sort: '-updated_at', 'page[after]': cursor };
  const page = get('tickets', query, 'the ticket list');
  const tickets = page.tickets ?? [];
  const users = peopleOf(tickets);
  const known = groups();
  const more = Boolean(page.meta?.has_more && page.meta?.after_cursor);
  const answer = { tickets: tickets.map((ticket) => summary(ticket, users, known)), has_more: more };
  if (more) {
    answer.next_cursor = page.meta.after_cursor;
  }
  return answer;
}

export const listTicketsTool = tool(
  'list_tickets',
  'Lists the account\'s tickets, most recently updated first, with requester, assignee, group and tags. ' +
    'Pass `next_cursor` from an answer as `cursor` for the next page. To filter, use search_tickets.',
  listTickets,
  {
    title: 'List tickets',
    schema: object({
      limit: limit(DEFAULT_LIMIT),
      cursor: { type: 'string', minLength: 1, maxLength: 2000, description: 'The `next_cursor` of the previous page.' },
    }),
    output: object(
      {
        tickets: { type: 'array', items: SUMMARY_OUT },
        has_more: { type: 'boolean' },
        next_cursor: { type: 'string' },
      },
      ['tickets', 'has_more'],
      { closed: false },
    ),
    hints: READS,
  },
);
