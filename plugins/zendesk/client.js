// Requests to the account's Ticketing API (`https://{site}/api/v2/...`).
//
// Every request names the `zendesk` credential, so the host attaches what
// the tenant stored: an API token as Basic (`{email}/token` and the token)
// or an OAuth access token as Bearer. Answers are JSON; anything else, and
// every failure, becomes a tool error in errors.js.

import { http, toolError } from '../../sdk/js/berth.js';
import { CREDENTIAL, statusError, transportError } from './errors.js';
import { apiRoot } from './settings.js';

/**
 * `key=value&...` for `params` (an object; `null` and `undefined` values
 * are left out, arrays repeat the key). Brackets in keys stay as written
 * (`page[size]`), as Zendesk's own links have them.
 */
export function queryString(params = {}) {
  const pairs = [];
  for (const [key, value] of Object.entries(params)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item === null || item === undefined) {
        continue;
      }
      const name = encodeURIComponent(key).replace(/%5B/g, '[').replace(/%5D/g, ']');
      pairs.push(`${name}=${encodeURIComponent(String(item))}`);
    }
  }
  return pairs.length === 0 ? '' : `?${pairs.join('&')}`;
}

/** Sends one request; returns the answer's JSON, or throws a tool error. */
function exchange(method, path, { query = {}, body = undefined, target }) {
  const headers = [['accept', 'application/json']];
  if (body !== undefined) {
    headers.push(['content-type', 'application/json']);
  }
  const response = http.send(
    {
      method,
      url: `${apiRoot()}/${path}${queryString(query)}`,
      headers,
      body: body === undefined ? null : JSON.stringify(body),
      credential: CREDENTIAL,
    },
    { onFailure: transportError },
  );
  if (response.status < 200 || response.status > 299) {
    throw statusError(response, target);
  }
  try {
    return JSON.parse(response.text());
  } catch (error) {
    const why = error.message ?? error;
    throw toolError.upstream(response.status, `Zendesk's answer about ${target} is not JSON: ${why}`);
  }
}

/** `GET /api/v2/{path}` with `query`; `target` names what it is about, for errors. */
export function get(path, query, target) {
  return exchange('get', path, { query, target });
}

/** `POST /api/v2/{path}` with the JSON `body`. */
export function post(path, body, target) {
  return exchange('post', path, { body, target });
}

/** `PUT /api/v2/{path}` with the JSON `body`. */
export function put(path, body, target) {
  return exchange('put', path, { body, target });
}
