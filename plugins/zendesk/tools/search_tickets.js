// `search_tickets`: Zendesk's Search API over tickets, with Zendesk's own
// query syntax and structured filters that are turned into it safely (see
// query.js). Offset pages (`page`, `per_page`); Zendesk serves at most
// 1,000 results of one search.

import { tool, toolError } from '../../../sdk/js/berth.js';
import { get } from '../client.js';
import { groups } from '../people.js';
import { SEARCH_RESULT_LIMIT, property, quoted, searchTime, words } from '../query.js';
import { peopleOf, summary } from '../tickets.js';
import { PRIORITY, READS, STATUS, SUMMARY_OUT, TAGS, limit, object } from './schema.js';

/** Results per page when the call gives no limit. */
const DEFAULT_LIMIT = 25;

/** The Zendesk query for the arguments: the caller's own syntax, then each filter. */
export function searchQuery(args) {
  const terms = ['type:ticket'];
  if (args.query) {
    terms.push(args.query.trim());
  }
  terms.push(...words(args.text ?? ''));
  terms.push(...(args.status ?? []).map((status) => `status:${status}`));
  terms.push(...(args.priority ?? []).map((priority) => `priority:${priority}`));
  if (args.assignee) {
    terms.push(property('assignee', args.assignee, ['me', 'none']));
  }
  if (args.requester) {
    terms.push(property('requester', args.requester, ['me']));
  }
  if (args.group) {
    terms.push(property('group', args.group, ['none']));
  }
  for (const tag of args.tags ?? []) {
    terms.push(`tags:${quoted(tag)}`);
  }
  if (args.updated_since) {
    terms.push(`updated>=${searchTime(args.updated_since, 'updated_since')}`);
  }
  if (args.created_since) {
    terms.push(`created>=${searchTime(args.created_since, 'created_since')}`);
  }
  return terms.join(' ');
}

function searchTickets(args) {
  const perPage = args.limit ?? DEFAULT_LIMIT;
  const page = args.page ?? 1;
  if (page * perPage > SEARCH_RESULT_LIMIT) {
    throw toolError.invalidArguments(
      `Zendesk serves only the first ${SEARCH_RESULT_LIMIT} results of a search; ` +
        `narrow it instead of asking for page ${page}`,
    );
  }
  const query = searchQuery(args);
  const answer = get(
    'search',
    { query, sort_by: args.sort_by ?? 'updated_at', sort_order: args.sort_order ?? 'desc', page, per_page: perPage },
    'the ticket search',
  );
  const found = (answer.results ?? []).filter((result) => (result.result_type ?? 'ticket') === 'ticket');
  const users = peopleOf(found);
  const known = groups();
  const tickets = found.map((ticket) => summary(ticket, users, known));
  const result = { query, count: answer.count ?? found.length, page, tickets };
  if (answer.next_page && (page + 1) * perPage <= SEARCH_RESULT_LIMIT) {
    result.next_page = page + 1;
  }
  return result;
}

const WHEN = {
  type: 'string',
  maxLength: 40,
  description: 'A date (2026-11-01) or an RFC 3339 time in UTC (2026-11-01T09:30:00Z).',
};

export const searchTicketsTool = tool(
  'search_tickets',
  'Searches tickets with Zendesk search syntax (`query`, for example `status<solved priority>normal ' +
    'tags:vip`) and/or structured filters, which all must hold; several values of one filter are alternatives. ' +
    'Most recently updated first unless sort_by says otherwise. Returns the total count and the next page number. ' +
    'Zendesk\'s index lags a few minutes behind new changes.',
  searchTickets,
  {
    title: 'Search tickets',
    schema: object({
      query: { type: 'string', maxLength: 1000, description: 'Zendesk search syntax; `type:ticket` is added.' },
      text: {
        type: 'string',
        maxLength: 500,
        description: 'Words that must all occur (taken literally, not as syntax).',
      },
      status: { type: 'array', items: STATUS, maxItems: 6, description: 'Any of these statuses.' },
      priority: { type: 'array', items: PRIORITY, maxItems: 4, description: 'Any of these priorities.' },
      assignee: { type: 'string', maxLength: 254, description: 'An e-mail address, a user id, `me` or `none`.' },
      requester: { type: 'string', maxLength: 254, description: 'An e-mail address, a user id or `me`.' },
      group: { type: 'string', maxLength: 200, description: 'A group name or id, or `none`.' },
      tags: { ...TAGS, description: 'Any of these tags.' },
      updated_since: { ...WHEN, description: `Updated at or after this. ${WHEN.description}` },
      created_since: { ...WHEN, description: `Created at or after this. ${WHEN.description}` },
      sort_by: { type: 'string', enum: ['updated_at', 'created_at', 'priority', 'status'], default: 'updated_at' },
      sort_order: { type: 'string', enum: ['desc', 'asc'], default: 'desc' },
      limit: limit(DEFAULT_LIMIT),
      page: { type: 'integer', minimum: 1, maximum: 1000, default: 1, description: 'The page (1 first).' },
    }),
    output: object(
      {
        query: { type: 'string' },
        count: { type: 'integer' },
        page: { type: 'integer' },
        next_page: { type: 'integer' },
        tickets: { type: 'array', items: SUMMARY_OUT },
      },
      ['query', 'count', 'page', 'tickets'],
      { closed: false },
    ),
    hints: READS,
  },
);
