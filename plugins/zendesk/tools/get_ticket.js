// `get_ticket`: one ticket with its conversation (the newest 300 comments,
// oldest first) and everyone the ticket and its comments name.

import { tool } from '../../../sdk/js/berth.js';
import { groups } from '../people.js';
import { details, peopleOf, readComments, readTicket, shownComment, ticketNumber } from '../tickets.js';
import { COMMENT_OUT, DETAILS_OUT, READS, TICKET_ID, USER_OUT, object } from './schema.js';

function getTicket({ id }) {
  const number = ticketNumber(id);
  const ticket = readTicket(number);
  const { comments, truncated } = readComments(number);
  const users = peopleOf([ticket], comments);
  return {
    ticket: details(ticket, users, groups()),
    comments: comments.map((comment) => shownComment(comment, users)),
    comments_truncated: truncated,
    users: [...users.values()].map((user) => ({
      id: String(user.id),
      name: user.name ?? null,
      email: user.email ?? null,
      role: user.role ?? null,
    })),
  };
}

export const getTicketTool = tool(
  'get_ticket',
  'Reads one ticket by number: its fields, its comments oldest first (public replies and internal notes, ' +
    'marked), and the users they name with their e-mail addresses and roles.',
  getTicket,
  {
    title: 'Get ticket',
    schema: object({ id: TICKET_ID }, ['id']),
    output: object(
      {
        ticket: DETAILS_OUT,
        comments: { type: 'array', items: COMMENT_OUT },
        comments_truncated: { type: 'boolean' },
        users: {
          type: 'array',
          items: USER_OUT,
        },
      },
      ['ticket', 'comments', 'comments_truncated', 'users'],
      { closed: false },
    ),
    hints: READS,
  },
);
