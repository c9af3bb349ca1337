// `find_users`: users by e-mail address or name (`GET
// /api/v2/users/search?query=`), to name requesters and assignees.

import { tool } from '../../../sdk/js/berth.js';
import { searchUsers } from '../people.js';
import { READS, USER_OUT, object } from './schema.js';

/** Users per answer when the call gives no limit. */
const DEFAULT_LIMIT = 20;

function findUsers({ query, role = null, limit = DEFAULT_LIMIT }) {
  const found = searchUsers(query.trim(), 100).filter((user) => role === null || user.role === role);
  return {
    users: found.slice(0, limit).map((user) => ({
      id: String(user.id),
      name: user.name ?? null,
      email: user.email ?? null,
      role: user.role ?? null,
      active: user.active ?? null,
      default_group_id: user.default_group_id ?? null,
      time_zone: user.iana_time_zone ?? user.time_zone ?? null,
    })),
    more: found.length > limit,
  };
}

export const findUsersTool = tool(
  'find_users',
  'Finds users by e-mail address or name (end users, agents and admins), with their ids and roles: to name ' +
    'a requester, or an agent to assign a ticket to.',
  findUsers,
  {
    title: 'Find users',
    schema: object(
      {
        query: { type: 'string', minLength: 1, maxLength: 254, description: 'An e-mail address, or words of a name.' },
        role: { type: 'string', enum: ['end-user', 'agent', 'admin'], description: 'Only users with this role.' },
        limit: {
          type: 'integer',
          minimum: 1,
          maximum: 100,
          default: DEFAULT_LIMIT,
          description: 'Most users to return.',
        },
      },
      ['query'],
    ),
    output: object(
      {
        users: {
          type: 'array',
          items: USER_OUT,
        },
        more: { type: 'boolean' },
      },
      ['users', 'more'],
      { closed: false },
    ),
    hints: READS,
  },
);
