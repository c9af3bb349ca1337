// `add_comment`: a public reply (the requester is notified) or an internal
// note, added the only way Zendesk adds comments: a ticket update.

import { tool } from '../../../sdk/js/berth.js';
import { usersById } from '../people.js';
import { shownComment, ticketNumber, writeTicket, writtenComment } from '../tickets.js';
import { ADDS, COMMENT_OUT, TICKET_ID, object } from './schema.js';

function addComment({ id, body, public: visible }) {
  const number = ticketNumber(id);
  const { ticket, audit } = writeTicket(number, { comment: { body, public: visible } });
  const stored = writtenComment(number, audit);
  return {
    ticket_id: number,
    status: ticket?.status ?? null,
    comment: shownComment(stored, usersById([stored.author_id])),
  };
}

export const addCommentTool = tool(
  'add_comment',
  'Adds a comment to a ticket: a public reply, which Zendesk sends to the requester (public=true), or an ' +
    'internal note only agents see (public=false).',
  addComment,
  {
    title: 'Comment on ticket',
    schema: object(
      {
        id: TICKET_ID,
        body: { type: 'string', minLength: 1, maxLength: 65000, description: 'The comment, plain text.' },
        public: { type: 'boolean', description: 'true: a reply the requester gets; false: an internal note.' },
      },
      ['id', 'body', 'public'],
    ),
    output: object(
      { ticket_id: { type: 'integer' }, status: { type: ['string', 'null'] }, comment: COMMENT_OUT },
      ['ticket_id', 'comment'],
      { closed: false },
    ),
    hints: ADDS,
  },
);
