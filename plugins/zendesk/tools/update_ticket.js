// `update_ticket`: changes a ticket's status, priority, type, assignee,
// group and tags in one ticket update (`PUT /api/v2/tickets/{id}`).

import { tool, toolError } from '../../../sdk/js/berth.js';
import { groupId, groups, userId } from '../people.js';
import { details, peopleOf, ticketNumber, writeTicket } from '../tickets.js';
import { DETAILS_OUT, OVERWRITES, PRIORITY, STATUS, TAGS, TICKET_ID, TICKET_TYPE, WHO, object } from './schema.js';

/** The `ticket` fields of the update the arguments ask for. */
export function changes(args) {
  const fields = {};
  for (const name of ['status', 'priority', 'type']) {
    if (args[name] !== undefined) {
      fields[name] = args[name];
    }
  }
  if (args.assignee !== undefined) {
    fields.assignee_id = args.assignee === null ? null : userId(args.assignee, { agent: true, role: 'assignee' });
  }
  if (args.group !== undefined) {
    fields.group_id = args.group === null ? null : groupId(args.group);
  }
  if (args.tags !== undefined) {
    fields.tags = args.tags;
  }
  if (args.add_tags !== undefined) {
    fields.additional_tags = args.add_tags;
  }
  if (args.remove_tags !== undefined) {
    fields.remove_tags = args.remove_tags;
  }
  return fields;
}

function updateTicket(args) {
  const number = ticketNumber(args.id);
  const fields = changes(args);
  if (Object.keys(fields).length === 0) {
    throw toolError.invalidArguments(
      'nothing to update: give status, priority, type, assignee, group, tags, add_tags or remove_tags',
    );
  }
  const { ticket } = writeTicket(number, fields);
  return { ticket: details(ticket, peopleOf([ticket]), groups()) };
}

export const updateTicketTool = tool(
  'update_ticket',
  'Changes a ticket: status (new, open, pending, hold, solved, closed), priority, type, assignee (e-mail ' +
    'or user id; null unassigns), group (name or id; null clears), tags (replacing them all) or add_tags and ' +
    'remove_tags. Use add_comment to reply or leave a note. A closed ticket cannot be changed.',
  updateTicket,
  {
    title: 'Update ticket',
    schema: object(
      {
        id: TICKET_ID,
        status: STATUS,
        priority: PRIORITY,
        type: TICKET_TYPE,
        assignee: {
          type: ['string', 'null'],
          minLength: 1,
          maxLength: WHO.maxLength,
          description: 'E-mail address or user id; null unassigns.',
        },
        group: {
          type: ['string', 'null'],
          minLength: 1,
          maxLength: 200,
          description: 'Group name or id; null clears it.',
        },
        tags: { ...TAGS, description: 'The ticket\'s tags, replacing all it has.' },
        add_tags: { ...TAGS, description: 'Tags to add.' },
        remove_tags: { ...TAGS, description: 'Tags to remove.' },
      },
      ['id'],
    ),
    output: object({ ticket: DETAILS_OUT }, ['ticket'], { closed: false }),
    hints: OVERWRITES,
  },
);
