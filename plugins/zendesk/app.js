// `zendesk`: Zendesk Support tickets for Berth, written in JavaScript on
// Berth's JS SDK (sdk/js/berth.js) and built with jco's QuickJS backend.
//
// Tools (as MCP clients see them, `zendesk_{tool}`):
//
// | tool             | what                                                         | annotations            |
// |------------------|--------------------------------------------------------------|------------------------|
// | `list_tickets`   | every ticket, newest update first, cursor pages              | read-only              |
// | `search_tickets` | Zendesk search syntax and structured filters, offset pages   | read-only              |
// | `get_ticket`     | one ticket, its comments and the users they name             | read-only              |
// | `create_ticket`  | files a ticket                                               | adds                   |
// | `add_comment`    | a public reply or an internal note                           | adds                   |
// | `update_ticket`  | status, priority, type, assignee, group, tags                | overwrites, idempotent |
// | `find_users`     | users by e-mail or name                                      | read-only              |
//
// It also serves the host's normalised ticket desk (`tickets_*`), by
// exporting `ticketing` (ticketing.js; the mappings are in tables.js), each
// ticket as the resource `zendesk://tickets/{id}`, and takes Zendesk's signed
// webhooks (events.js), which the host verifies with the tenant's `webhook`
// secret.
//
// Settings (settings.js): `site`, the account's host (`acme.zendesk.com`),
// and optionally `default_group`. Egress: `https://{site}/api/v2/` only.
//
// The credential `zendesk` is either an API token, sent as Basic with the
// user name `{agent e-mail}/token`:
//
//     berth credential set --tenant acme --plugin zendesk zendesk --scheme basic \
//         --username agent@example.com/token --bind https://acme.zendesk.com    # the API token on stdin
//
// or an OAuth access token, sent as Bearer (Zendesk retires API tokens in
// 2027, so OAuth is the lasting choice):
//
//     berth credential set --tenant acme --plugin zendesk zendesk --scheme bearer \
//         --bind https://acme.zendesk.com                                      # the access token on stdin
//
// Build (host/build.rs does it on `cargo build`), with the toolchain pinned
// in sdk/js (`npm ci` there first):
//
//     ../../sdk/js/node_modules/.bin/jco componentize app.js --wit ../../wit \
//         --world-name ticket-event-adapter --backend qjs --backend-qjs-disable-async \
//         --bundle --bundle-config bundle.config.js -o zendesk.wasm
//
// Unit tests: `node --test` in this directory (Node 20 or later).

import { defineTicketPlugin, toolError } from '../../sdk/js/berth.js';
import { CREDENTIAL } from './errors.js';
import * as events from './events.js';
import { DEFAULT_GROUP, SITE } from './settings.js';
import { addComment, create, getTicket, search, update } from './ticketing.js';
import { addCommentTool } from './tools/add_comment.js';
import { createTicketTool } from './tools/create_ticket.js';
import { findUsersTool } from './tools/find_users.js';
import { getTicketTool } from './tools/get_ticket.js';
import { listTicketsTool } from './tools/list_tickets.js';
import { searchTicketsTool } from './tools/search_tickets.js';
import { updateTicketTool } from './tools/update_ticket.js';

/** A ticket as a resource, which Zendesk's webhooks report changes to. */
const TICKET_RESOURCE = 'zendesk://tickets/{id}';

const plugin = defineTicketPlugin({
  manifest: {
    name: 'zendesk',
    version: '0.1.0',
    description: 'Zendesk Support tickets: list, search, read, file, comment on and update them (Ticketing API v2)',
    egress: ['https://{site}/api/v2/'],
    credentials: [
      {
        name: CREDENTIAL,
        description:
          'An agent\'s API token as basic auth with the user name `{email}/token` and the token as the password, ' +
          'or an OAuth access token (scheme bearer); Zendesk retires API tokens in 2027',
      },
    ],
    config: [
      {
        name: SITE,
        description: 'The account\'s Zendesk host, for example acme.zendesk.com (host or host:port, no https://)',
        required: true,
        default: null,
      },
      {
        name: DEFAULT_GROUP,
        description: 'The group (name or id) tickets are filed in when none is named; the account\'s default otherwise',
        required: false,
        default: null,
      },
    ],
  },
  tools: [
    listTicketsTool,
    searchTicketsTool,
    getTicketTool,
    createTicketTool,
    addCommentTool,
    updateTicketTool,
    findUsersTool,
  ],
  ticketing: { search, get: getTicket, create, addComment, update },
  resourceTemplates: [
    {
      uriTemplate: TICKET_RESOURCE,
      name: 'ticket',
      title: 'Zendesk ticket',
      description: 'One ticket, normalised, with its comments; webhooks report changes to it',
      mimeType: 'application/json',
    },
  ],
  readResource(uri) {
    const id = /^zendesk:\/\/tickets\/(\d+)$/.exec(uri)?.[1];
    if (id === undefined) {
      throw toolError.notFound(`no resource \`${uri}\`; tickets are ${TICKET_RESOURCE}`);
    }
    const text = JSON.stringify(getTicket(id));
    return [{ uri, mimeType: 'application/json', body: { tag: 'text', val: text } }];
  },
  events: { source: events.source, handle: events.handle },
});

// The exports of the `ticket-event-adapter` world.
export const {
  describe,
  listTools,
  callTool,
  listResources,
  listResourceTemplates,
  readResource,
  listPrompts,
  getPrompt,
  complete,
  ticketing,
  describeEvents,
  handleEvent,
} = plugin;
