// `create_ticket`: files a ticket (`POST /api/v2/tickets`). The
// description is its first comment, public unless `public` is false.

import { tool } from '../../../sdk/js/berth.js';
import { post } from '../client.js';
import { groupId, requesterFields, userId } from '../people.js';
import { defaultGroup } from '../settings.js';
import { details, peopleOf } from '../tickets.js';
import { ADDS, DETAILS_OUT, PRIORITY, TAGS, TICKET_TYPE, WHO, object } from './schema.js';

function createTicket(args) {
  const fields = {
    subject: args.subject,
    comment: { body: args.description, public: args.public ?? true },
    tags: args.tags ?? [],
  };
  if (args.priority) {
    fields.priority = args.priority;
  }
  if (args.type) {
    fields.type = args.type;
  }
  if (args.requester) {
    Object.assign(fields, requesterFields(args.requester, args.requester_name ?? null));
  }
  if (args.assignee) {
    fields.assignee_id = userId(args.assignee, { agent: true, role: 'assignee' });
  }
  const group = args.group ?? defaultGroup();
  if (group) {
    fields.group_id = groupId(group);
  }
  const created = post('tickets', { ticket: fields }, 'the new ticket').ticket;
  return { ticket: details(created, peopleOf([created])) };
}

export const createTicketTool = tool(
  'create_ticket',
  'Files a new ticket. The description becomes its first comment (public unless public=false). The requester ' +
    'is the credential\'s user unless given (an e-mail address Zendesk does not know creates an end user); the ' +
    'group is the tenant\'s default_group unless given. Returns the ticket with its number.',
  createTicket,
  {
    title: 'Create ticket',
    schema: object(
      {
        subject: { type: 'string', minLength: 1, maxLength: 500, description: 'One-line summary.' },
        description: {
          type: 'string',
          minLength: 1,
          maxLength: 65000,
          description: 'The full description, plain text.',
        },
        public: { type: 'boolean', default: true, description: 'Whether the requester sees the description.' },
        priority: PRIORITY,
        type: TICKET_TYPE,
        requester: { ...WHO, description: 'E-mail address or user id of whom it is for.' },
        requester_name: {
          type: 'string',
          maxLength: 200,
          description: 'Their name, for a requester Zendesk does not know yet.',
        },
        assignee: { ...WHO, description: 'E-mail address or user id of the agent to assign it to.' },
        group: { type: 'string', minLength: 1, maxLength: 200, description: 'Group name or id.' },
        tags: TAGS,
      },
      ['subject', 'description'],
    ),
    output: object({ ticket: DETAILS_OUT }, ['ticket'], { closed: false }),
    hints: ADDS,
  },
);
