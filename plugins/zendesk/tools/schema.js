// JSON Schemas the tools share: their arguments, and the shapes of what
// they return (the host checks every structured answer against the tool's
// output schema).

import { PRIORITIES, STATUSES } from '../tables.js';

/** An object schema with `properties`, of which `required` must be given. */
export function object(properties, required = [], { closed = true } = {}) {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    properties,
    required,
    additionalProperties: !closed,
  };
}

/** What a read-only tool may claim. */
export const READS = { readOnly: true, destructive: false, idempotent: true, openWorld: true };
/** A tool that adds to Zendesk, never overwriting: each call adds again. */
export const ADDS = { readOnly: false, destructive: false, idempotent: false, openWorld: true };
/** A tool that overwrites fields: repeating it changes nothing more. */
export const OVERWRITES = { readOnly: false, destructive: true, idempotent: true, openWorld: true };

/** A ticket number argument (a number, or its digits as text). */
export const TICKET_ID = {
  type: ['integer', 'string'],
  minimum: 1,
  pattern: '^[0-9]{1,15}$',
  description: 'The ticket number, such as 35436.',
};

/** A page size argument. */
export function limit(fallback) {
  return {
    type: 'integer',
    minimum: 1,
    maximum: 100,
    default: fallback,
    description: `Tickets per page (1 to 100; ${fallback} when absent).`,
  };
}

export const STATUS = { type: 'string', enum: [...STATUSES] };
export const PRIORITY = { type: 'string', enum: [...PRIORITIES] };
export const TICKET_TYPE = { type: 'string', enum: ['problem', 'incident', 'question', 'task'] };

/** Someone named by e-mail or user id. */
export const WHO = { type: 'string', minLength: 1, maxLength: 254 };
/** Tags: Zendesk's are single words. */
export const TAGS = {
  type: 'array',
  items: { type: 'string', minLength: 1, maxLength: 80, pattern: '^[^\\s"]+$' },
  maxItems: 50,
};

const TEXT_OR_NULL = { type: ['string', 'null'] };

/** A person in an answer. */
export const PERSON_OUT = {
  type: ['object', 'null'],
  properties: { id: { type: 'string' }, name: TEXT_OR_NULL, email: TEXT_OR_NULL },
  required: ['id'],
};

/** A ticket in a listing. */
const SUMMARY_PROPERTIES = {
  id: { type: 'integer' },
  url: { type: 'string' },
  subject: { type: 'string' },
  status: TEXT_OR_NULL,
  priority: TEXT_OR_NULL,
  type: TEXT_OR_NULL,
  requester: PERSON_OUT,
  assignee: PERSON_OUT,
  group: TEXT_OR_NULL,
  tags: { type: 'array', items: { type: 'string' } },
  created_at: TEXT_OR_NULL,
  updated_at: TEXT_OR_NULL,
};

export const SUMMARY_OUT = { type: 'object', properties: SUMMARY_PROPERTIES, required: ['id', 'subject', 'status'] };

/** A ticket read whole. */
export const DETAILS_OUT = {
  type: 'object',
  properties: {
    ...SUMMARY_PROPERTIES,
    description: { type: 'string' },
    due_at: TEXT_OR_NULL,
    channel: TEXT_OR_NULL,
    submitter: PERSON_OUT,
  },
  required: ['id', 'subject', 'status', 'description'],
};

/** A user: who a search found, or who a ticket's comments name. */
export const USER_OUT = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: ['string', 'null'] },
    email: { type: ['string', 'null'] },
    role: { type: ['string', 'null'] },
  },
  required: ['id'],
};

/** A comment. */
export const COMMENT_OUT = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    author: PERSON_OUT,
    public: { type: 'boolean' },
    body: { type: 'string' },
    created_at: TEXT_OR_NULL,
  },
  required: ['id', 'public', 'body'],
};
