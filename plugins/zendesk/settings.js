// The tenant's settings for the plugin, read through the host's `config`
// and checked before anything is sent:
//
// | key             | required | what                                                               |
// |-----------------|----------|--------------------------------------------------------------------|
// | `site`          | yes      | the account's Zendesk host, `acme.zendesk.com` (host[:port] only)  |
// | `default_group` | no       | the group new tickets go to when none is named (a name or an id)   |
//
// The egress rule `https://{site}/api/v2/` is filled from `site` by the
// host, so a bad value could at worst point at another host the operator
// named; it is still refused early with a message that says what to set.

import { config, toolError } from '../../sdk/js/berth.js';

/** The config key of the account's host. */
export const SITE = 'site';
/** The config key of the group tickets are filed in by default. */
export const DEFAULT_GROUP = 'default_group';

/** One DNS label: letters, digits and inner hyphens, 1 to 63 long. */
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * `site` as the host part of a URL (`acme.zendesk.com`, `127.0.0.1:8443`),
 * lower-cased; an `invalid-arguments` error saying what to set otherwise.
 * A scheme, path, user or query is refused rather than cut off, so the
 * operator sees what was wrong with what they typed.
 */
export function parseSite(text) {
  const site = (text ?? '').trim().toLowerCase();
  const fix =
    "set it to the account's Zendesk host, for example " +
    '`berth config set --tenant <tenant> zendesk site acme.zendesk.com`';
  if (site === '') {
    throw toolError.invalidArguments(`the Zendesk site is not configured: ${fix}`);
  }
  const match = /^([^:]+)(?::(\d{1,5}))?$/.exec(site);
  const port = match?.[2] === undefined ? null : Number(match[2]);
  const labels = match?.[1].split('.') ?? [];
  const valid =
    match !== null &&
    match[1].length <= 253 &&
    labels.every((label) => LABEL.test(label)) &&
    (port === null || (port >= 1 && port <= 65535));
  if (!valid) {
    throw toolError.invalidArguments(
      `the Zendesk site \`${site.slice(0, 100)}\` is not a host name ` +
        `(host or host:port, no https:// and no path): ${fix}`,
    );
  }
  return site;
}

/** The tenant's site, checked. */
export function site() {
  return parseSite(config(SITE));
}

/** `https://{site}/api/v2`, the root every request is under. */
export function apiRoot() {
  return `https://${site()}/api/v2`;
}

/** Where an agent opens ticket `id` in Zendesk's own interface. */
export function agentUrl(siteName, id) {
  return `https://${siteName}/agent/tickets/${id}`;
}

/** The tenant's default group for new tickets (a name or an id), or `null`. */
export function defaultGroup() {
  const group = (config(DEFAULT_GROUP) ?? '').trim();
  return group === '' ? null : group;
}
