// Users and groups: ids resolved to names and e-mail addresses (in one
// `show_many` request per 100 ids, for at most `MAX_PEOPLE` people per
// call), people named by e-mail or id resolved to user ids, and the
// account's groups.
//
// What is read of users and groups is kept in the tenant's cache for a few
// minutes (`USERS_TTL_SECONDS`, `GROUPS_TTL_SECONDS`): paging through a
// search names the same people page after page, and every request counts
// against the account's per-minute limit and the host's rate limit for the
// plugin. A renamed user shows under the old name for at most that long.

import { cache, log, toolError } from '../../sdk/js/berth.js';
import { get } from './client.js';
import { isId } from './query.js';
import { site } from './settings.js';

/** Ids `users/show_many` takes at once (Zendesk's limit). */
const SHOW_MANY = 100;
/** Most people one call resolves: two `show_many` requests. */
export const MAX_PEOPLE = 200;
/** How long the account's groups are kept, in seconds. */
const GROUPS_TTL_SECONDS = 300;
/** How long a user's name, e-mail and role are kept, in seconds. */
const USERS_TTL_SECONDS = 300;
/** Most groups read (one page); an account with more names the rest by id. */
const MAX_GROUPS = 100;

/** A user as a `person` record (`{id, name, email}`, ids as strings). */
export function person(user) {
  return { id: String(user.id), name: user.name ?? null, email: user.email ?? null };
}

/** The cache key of user `id` on the tenant's site. */
function userKey(id) {
  return `user:${site()}:${id}`;
}

/** Keeps what `person` and the tools read of `user`. */
function remember(user) {
  const kept = { id: user.id, name: user.name ?? null, email: user.email ?? null, role: user.role ?? null };
  try {
    cache.set(userKey(user.id), JSON.stringify(kept), USERS_TTL_SECONDS);
  } catch {
    // Over the cache's limit: read it again next time.
  }
  return kept;
}

/** User `id` from the cache, or `null`. */
function remembered(id) {
  const text = cache.get(userKey(id));
  if (text === null) {
    return null;
  }
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/**
 * The users with `ids` (numbers; repeats and `null` ignored), as a `Map`
 * from id (a string) to `{id, name, email, role}`: from the cache, the rest
 * with `users/show_many`. Ids Zendesk does not know (a deleted user) are
 * absent; past `MAX_PEOPLE`, the rest are left out.
 */
export function usersById(ids) {
  const wanted = [...new Set(ids.filter((id) => id !== null && id !== undefined).map(String))];
  if (wanted.length > MAX_PEOPLE) {
    log('warn', `resolving ${MAX_PEOPLE} of ${wanted.length} people; the rest show as ids`);
  }
  const found = new Map();
  const missing = [];
  for (const id of wanted.slice(0, MAX_PEOPLE)) {
    const user = remembered(id);
    if (user === null) {
      missing.push(id);
    } else {
      found.set(id, user);
    }
  }
  for (let start = 0; start < missing.length; start += SHOW_MANY) {
    const chunk = missing.slice(start, start + SHOW_MANY);
    const answer = get('users/show_many', { ids: chunk.join(',') }, 'users');
    for (const user of answer.users ?? []) {
      found.set(String(user.id), remember(user));
    }
  }
  return found;
}

/** `person` for user `id`, from `users` (see `usersById`), or `null` for no one. */
export function personIn(users, id) {
  if (id === null || id === undefined) {
    return null;
  }
  const user = users.get(String(id));
  return user ? person(user) : { id: String(id), name: null, email: null };
}

/** The user the credential signs in as. */
export function me() {
  return get('users/me', {}, 'the credential\'s own user').user;
}

/** Users whose e-mail is `query` or whose name has its words, up to `limit`. */
export function searchUsers(query, limit) {
  const answer = get('users/search', { query, per_page: limit }, 'the user search');
  return answer.users ?? [];
}

/**
 * The id of the user `who` names: an id (digits) as it is, or an e-mail
 * address looked up with the user search. With `agent`, the user must be
 * an agent or admin (tickets are only assigned to staff).
 */
export function userId(who, { agent = false, role = 'user' } = {}) {
  const text = String(who).trim();
  if (isId(text)) {
    return Number(text);
  }
  if (!/^[^\s@]+@[^\s@]+$/.test(text)) {
    throw toolError.invalidArguments(
      `the ${role} \`${text.slice(0, 100)}\` is neither an e-mail address nor a Zendesk user id`,
    );
  }
  const match = searchUsers(text, 10).find((user) => (user.email ?? '').toLowerCase() === text.toLowerCase());
  if (!match) {
    throw toolError.invalidArguments(
      `no Zendesk user has the e-mail address ${text} (find_users searches by name or e-mail)`,
    );
  }
  if (agent && match.role === 'end-user') {
    throw toolError.invalidArguments(`${text} is an end user; tickets can only be assigned to agents and admins`);
  }
  return match.id;
}

/**
 * The fields naming the requester of a new ticket: `requester_id` for a
 * user id, or `requester` for an e-mail address (Zendesk finds that user,
 * or creates an end user with it, as for a ticket that arrives by e-mail).
 */
export function requesterFields(who, name = null) {
  const text = String(who).trim();
  if (isId(text)) {
    return { requester_id: Number(text) };
  }
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(text)) {
    throw toolError.invalidArguments(
      `the requester \`${text.slice(0, 100)}\` is neither an e-mail address nor a Zendesk user id`,
    );
  }
  return { requester: name ? { email: text, name } : { email: text } };
}

/** The account's groups (`{id, name}`), from the cache when fresh. */
export function groups() {
  const key = `groups:${site()}`;
  const cached = cache.get(key);
  if (cached !== null) {
    try {
      return JSON.parse(cached);
    } catch {
      // Written by an older version: read them again.
    }
  }
  const answer = get('groups', { 'page[size]': MAX_GROUPS }, 'the groups');
  const found = (answer.groups ?? []).map((group) => ({ id: group.id, name: group.name }));
  try {
    cache.set(key, JSON.stringify(found), GROUPS_TTL_SECONDS);
  } catch {
    // Too large to keep: read them each time.
  }
  return found;
}

/** The name of group `id`, or its id as text when it is not among `groups()`. */
export function groupName(id, known = groups()) {
  if (id === null || id === undefined) {
    return null;
  }
  return known.find((group) => String(group.id) === String(id))?.name ?? String(id);
}

/** The id of the group `given` names (an id, or a name in any case). */
export function groupId(given) {
  const text = String(given).trim();
  if (isId(text)) {
    return Number(text);
  }
  const known = groups();
  const match = known.find((group) => group.name.toLowerCase() === text.toLowerCase());
  if (!match) {
    const names = known.map((group) => group.name).join(', ');
    throw toolError.invalidArguments(`Zendesk has no group named \`${text.slice(0, 100)}\`; the groups are: ${names}`);
  }
  return match.id;
}
