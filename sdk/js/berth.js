// berth.js: write Berth plugins in JavaScript, as the Rust SDK (`sdk/`) lets
// Rust authors write them. A plugin is a manifest and a list of tools, each a
// function from its (schema-checked) arguments to a result; `definePlugin`
// turns them into the exports of the `adapter` world of wit/berth.wit.
//
//     import { definePlugin, tool, fields, http, toolError } from './berth.js';
//
//     const plugin = definePlugin({
//       manifest: { name: 'tickets', version: '0.1.0', description: 'My tickets',
//                   egress: ['https://{instance}/api/'], credentials: [...], config: [...] },
//       tools: [
//         tool('get_ticket', 'Reads one ticket.', ({ id }) => http.getJson(`https://.../${id}`, { credential: 'token' }), {
//           schema: fields({ id: 'The ticket id.' }),
//           hints: { readOnly: true, destructive: false, idempotent: true, openWorld: true },
//         }),
//       ],
//     });
//     export const { describe, listTools, callTool, listResources, listResourceTemplates, readResource,
//                    listPrompts, getPrompt, complete } = plugin;
//
// A plugin that fronts a ticket system also serves the host's normalised
// ticket desk (`tickets_search`, `tickets_get`, ...): build it with
// `defineTicketPlugin` (below) and `--world-name ticket-adapter`, and export
// `ticketing` beside the rest.
//
// A plugin that receives its upstream's webhooks passes `events` (see
// `definePlugin`), exports `describeEvents` and `handleEvent` too, and builds
// with `--world-name event-adapter` (or `ticket-event-adapter`).
//
// jco bundles this file into the component (`jco componentize app.js ...`).
// WIT values map to plain JavaScript:
//
// | WIT                         | JavaScript                                                      |
// |-----------------------------|-----------------------------------------------------------------|
// | record                      | an object with camelCase keys (`status-name` is `statusName`)   |
// | enum                        | its case's WIT name as a string: `'in-progress'`, `'critical'`  |
// | variant                     | `{tag, val}` with the case's WIT name: `{tag: 'to', val: 'x'}`; |
// |                             | a case without a payload is `{tag: 'unassigned'}`               |
// | option<T>                   | the value, or `null` (always write `null`, never leave it out)  |
// | list<T>                     | an array (`list<u8>`: a `Uint8Array`)                           |
// | u16, u32, f64               | a number                                                        |
// | result<T, E> (an export)    | return the `ok` value; `throw` the `err` value                  |
// | result<T, E> (an import)    | returns the `ok` value; throws an `Error` whose `payload` is    |
// |                             | the `err` value                                                 |
// | an interface's functions    | camelCase: `add-comment` is `addComment`                        |
// | an exported interface       | a named export object: `export const ticketing = {...}`         |

import { send } from 'berth:plugin/http@0.2.0';
import * as configImport from 'berth:plugin/config@0.2.0';
import * as cacheImport from 'berth:plugin/cache@0.2.0';
import { log as logImport } from 'berth:plugin/log@0.2.0';

/** Tool errors, as the `tool-error` variant: throw one to fail a tool. */
export const toolError = {
  /** The arguments make no sense for the tool. */
  invalidArguments: (message) => ({ tag: 'invalid-arguments', val: message }),
  /** The thing asked for does not exist. */
  notFound: (message) => ({ tag: 'not-found', val: message }),
  /** The host or the upstream refused. */
  denied: (message) => ({ tag: 'denied', val: message }),
  /** The upstream failed, with its HTTP status if it answered. */
  upstream: (status, message) => ({ tag: 'upstream', val: { status, message } }),
  /** A bug or unexpected state in the plugin. */
  internal: (message) => ({ tag: 'internal', val: message }),
  /** The request needs a client capability the client did not declare. */
  missingCapability: (capability) => ({ tag: 'missing-capability', val: capability }),
};

/**
 * The `err` value of an import that failed. Anything else thrown is a bug
 * and propagates (the host reports it as a crash).
 */
export function importError(error) {
  if (error?.payload === undefined) {
    throw error;
  }
  return error.payload;
}

/** The UTF-8 bytes of `text`. (QuickJS has no TextEncoder.) */
export function utf8Encode(text) {
  return Uint8Array.from(unescape(encodeURIComponent(text)), (char) => char.charCodeAt(0));
}

/**
 * The text in UTF-8 `bytes`. (QuickJS has no TextDecoder.) Bytes that are
 * not UTF-8 come out as U+FFFD rather than failing the call.
 */
export function utf8Decode(bytes) {
  // Chunks keep the argument list short; one call per byte would be slow.
  let binary = '';
  for (let start = 0; start < bytes.length; start += 8192) {
    binary += String.fromCharCode(...bytes.slice(start, start + 8192));
  }
  try {
    return decodeURIComponent(escape(binary));
  } catch {
    return binary.replace(/[\x80-\xff]/g, '\uFFFD');
  }
}

/** The tenant's setting `key`: its value, the manifest's default, or `null`. */
export function config(key) {
  return configImport.get(key) ?? null;
}

/** Writes a log record (`debug`, `info`, `warn` or `error`) to the host's log. */
export function log(level, message) {
  logImport(level, message);
}

/** The tenant's cache: text values, never shared with another tenant. */
export const cache = {
  /** The text stored under `key`, or `null`. */
  get(key) {
    const value = cacheImport.get(key);
    return value === null || value === undefined ? null : utf8Decode(value);
  },
  /**
   * Stores `text` under `key` for `ttlSeconds`. Throws the cache's error,
   * `{tag: 'too-large', val: limit}`, when the key or value is over the
   * host's limit.
   */
  set(key, text, ttlSeconds) {
    try {
      cacheImport.set(key, utf8Encode(text), ttlSeconds);
    } catch (error) {
      throw importError(error);
    }
  },
  /** Removes `key`. */
  delete(key) {
    cacheImport.delete(key);
  },
};

/** A sentence describing a failed request, worded like the Rust SDK's. */
function httpErrorMessage({ tag, val }) {
  switch (tag) {
    case 'invalid-request':
      return `invalid request: ${val}`;
    case 'credential-failed':
      return `credential failed: ${val}`;
    case 'timeout':
      return 'the upstream did not answer in time';
    case 'too-large':
      return `the response exceeded the ${val}-byte limit`;
    case 'rate-limited':
      return val == null ? 'rate limited' : `rate limited; retry after ${val} ms`;
    case 'circuit-open':
      return `upstream unavailable (circuit open): ${val}`;
    default:
      return `could not reach the upstream: ${val}`;
  }
}

/**
 * The tool error for a request the host refused or could not complete: a
 * policy denial stays a denial; anything else is an upstream failure (the
 * same mapping as the Rust SDK's `?` on a request).
 */
export function toolErrorFromHttp(error) {
  if (error.tag === 'denied') {
    return toolError.denied(error.val);
  }
  return toolError.upstream(null, httpErrorMessage(error));
}

/** A response: status, headers as `[name, value]` pairs, body bytes. */
class Response {
  constructor({ status, headers, body }) {
    this.status = status;
    this.headers = headers;
    this.body = body;
  }

  /** The first value of header `name` (any case), or `null`. */
  header(name) {
    const wanted = name.toLowerCase();
    return this.headers.find(([key]) => key.toLowerCase() === wanted)?.[1] ?? null;
  }

  /**
   * The body as text; with `maxBytes`, only as much of its start as fits,
   * cut where a character starts (to quote an error without reading a
   * page of it).
   */
  text(maxBytes = Infinity) {
    if (this.body.length <= maxBytes) {
      return utf8Decode(this.body);
    }
    let end = maxBytes;
    // Back up over continuation bytes (10xxxxxx) to a character's start.
    while (end > 0 && (this.body[end] & 0xc0) === 0x80) {
      end -= 1;
    }
    return utf8Decode(this.body.slice(0, end));
  }

  /** The body as JSON; `upstream` when it is not. */
  json() {
    try {
      return JSON.parse(this.text());
    } catch (error) {
      throw toolError.upstream(this.status, `the upstream's answer is not JSON: ${error.message ?? error}`);
    }
  }
}

/**
 * Outbound HTTP, performed by the host within the manifest's egress. A
 * credential is named, never held: the host attaches it.
 */
export const http = {
  /**
   * Sends `{method, url, headers, body, credential, timeoutMs}` (only
   * `url` required; `method` defaults to `get`, `body` may be text or
   * bytes) and returns the response, whatever its status. A refusal or a
   * failure to reach the upstream throws a tool error: by default the one
   * `toolErrorFromHttp` makes, or whatever `onFailure(httpError)` returns,
   * for a plugin that words failures in its upstream's terms (`httpError`
   * is the `http-error` variant: `{tag: 'rate-limited', val: 60000}`).
   */
  send(
    { method = 'get', url, headers = [], body = null, credential = null, timeoutMs = null },
    { onFailure = toolErrorFromHttp } = {},
  ) {
    const bytes = typeof body === 'string' ? utf8Encode(body) : body;
    let response;
    try {
      response = send({ method, url, headers, body: bytes, credential, timeoutMs });
    } catch (error) {
      throw onFailure(importError(error));
    }
    return new Response(response);
  },

  /**
   * Sends a request with a JSON body (if `json` is given) and returns the
   * JSON answer of a 2xx response; any other status is an `upstream`
   * error quoting what the upstream said.
   */
  json(request, json = undefined) {
    const headers = [['accept', 'application/json'], ...(request.headers ?? [])];
    if (json !== undefined) {
      headers.push(['content-type', 'application/json']);
    }
    const body = json === undefined ? null : JSON.stringify(json);
    const response = http.send({ ...request, headers, body });
    if (response.status < 200 || response.status > 299) {
      throw toolError.upstream(response.status, response.text().slice(0, 500));
    }
    return response.status === 204 ? null : response.json();
  },

  /** GETs `url` and returns its JSON (see `http.json`). */
  getJson(url, options = {}) {
    return http.json({ ...options, method: 'get', url });
  },
};

/**
 * JSON Schema of an arguments object whose fields are all required
 * strings; `descriptions` maps each field to what it is for the model.
 */
export function fields(descriptions) {
  const properties = Object.fromEntries(
    Object.entries(descriptions).map(([name, description]) => [name, { type: 'string', description }]),
  );
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    properties,
    required: Object.keys(descriptions),
    additionalProperties: false,
  };
}

/**
 * Tool `name` (`[a-z][a-z0-9_]*`), described for the model that calls it,
 * run by `run(args)`. `schema` is the arguments' JSON Schema (an object);
 * `hints` must state all four annotations (`readOnly`, `destructive`,
 * `idempotent`, `openWorld`), because the host passes them on as true. A
 * tool with an `output` schema returns an object, sent as structured
 * content; one without returns text.
 */
export function tool(name, description, run, { schema, hints, title = null, output = null }) {
  return {
    spec: {
      name,
      title,
      description,
      inputSchema: JSON.stringify(schema),
      outputSchema: output === null ? null : JSON.stringify(output),
      annotations: hints,
    },
    run,
  };
}

/** What a tool's return value becomes: text, or JSON with structured content. */
function toolResult(value, structured) {
  if (structured) {
    const json = JSON.stringify(value);
    return { content: [{ tag: 'json', val: json }], structured: json, isError: false };
  }
  return { content: [{ tag: 'text', val: String(value) }], structured: null, isError: false };
}

/**
 * The world's exports for a plugin: its `manifest` (the `manifest` record
 * of wit/berth.wit), its `tools` (from `tool`), and optionally its
 * `resources()`, `resourceTemplates`, `readResource(uri)`, `prompts` (each
 * `{spec, build(args)}`, `args` a `Map`) and `complete(request)`. Each call
 * runs in a fresh instance, so nothing outlives a call; `describe` and
 * `listTools` run without grants and must not use any capability.
 *
 * `events`, for a plugin that receives its upstream's webhooks, is
 * `{source, handle(headers, body)}`: `source` is the `event-source` record
 * (how the host verifies deliveries, e.g. `{signature: {tag: 'zendesk'},
 * deliveryHeader: 'x-zendesk-webhook-invocation-id', typeHeader: null}`), and
 * `handle` gets a verified delivery's headers (a `Map`, lower-case names, no
 * secrets) and raw body (a `Uint8Array`) and returns the `event-outcome`
 * record (`{kind, updated, listsChanged, invalidateCache}`); what it throws
 * goes to the event history as text.
 */
export function definePlugin({
  manifest,
  tools,
  resources = () => [],
  resourceTemplates = [],
  readResource = (uri) => {
    throw toolError.notFound(`no resource \`${uri}\``);
  },
  prompts = [],
  complete = () => ({ values: [], total: null, hasMore: false }),
  events = null,
}) {
  return {
    describeEvents: () => events?.source ?? null,
    handleEvent(headers, body) {
      if (events === null) {
        throw 'this plugin takes no events';
      }
      try {
        return events.handle(new Map(headers), body);
      } catch (error) {
        throw String(error?.message ?? error);
      }
    },
    describe: () => manifest,
    listTools: () => tools.map((entry) => entry.spec),
    callTool(name, argumentsJson) {
      const found = tools.find((entry) => entry.spec.name === name);
      if (!found) {
        throw toolError.notFound(`this plugin has no tool named \`${name}\``);
      }
      let args;
      try {
        args = JSON.parse(argumentsJson);
      } catch (error) {
        throw toolError.invalidArguments(String(error.message ?? error));
      }
      if (args === null || typeof args !== 'object' || Array.isArray(args)) {
        throw toolError.invalidArguments('the arguments must be a JSON object');
      }
      return toolResult(found.run(args), found.spec.outputSchema !== null);
    },
    listResources: () => resources(),
    listResourceTemplates: () => resourceTemplates,
    readResource,
    listPrompts: () => prompts.map((prompt) => prompt.spec),
    getPrompt(name, args) {
      const found = prompts.find((prompt) => prompt.spec.name === name);
      if (!found) {
        throw toolError.notFound(`this plugin has no prompt named \`${name}\``);
      }
      return found.build(new Map(args));
    },
    complete,
  };
}

/**
 * The normalised ticket desk's status categories (`status-category` in
 * wit/berth.wit), as JavaScript spells them.
 */
export const statusCategories = Object.freeze(['new', 'open', 'pending', 'in-progress', 'resolved', 'closed']);

/** The normalised priorities (`priority` in wit/berth.wit). */
export const priorities = Object.freeze(['critical', 'high', 'medium', 'low', 'planning']);

/**
 * A person in a ticket system (`person`).
 * @typedef {object} Person
 * @property {string} id The system's own id for them.
 * @property {string | null} name Display name.
 * @property {string | null} email E-mail address, where the system shares it.
 */

/**
 * A ticket in the normalised model (`ticket`).
 * @typedef {object} Ticket
 * @property {string} key The system's own key (`35436`); the host makes the id `{plugin}:{key}`.
 * @property {string} title One-line summary.
 * @property {string} description Plain text.
 * @property {string} status One of `statusCategories`.
 * @property {string} statusName The system's own name for the status.
 * @property {string | null} priority One of `priorities`, or `null`.
 * @property {string | null} priorityName The system's own name for the priority.
 * @property {Person | null} assignee Who works on it.
 * @property {Person | null} requester Who asked.
 * @property {string | null} group The group, queue or team it is with.
 * @property {string} created RFC 3339.
 * @property {string} updated RFC 3339; searches are merged by it.
 * @property {string[]} labels Labels or tags.
 * @property {string | null} url Where a human opens it.
 */

/**
 * A comment (`comment`).
 * @typedef {object} Comment
 * @property {string} id The system's id for it.
 * @property {Person | null} author Who wrote it.
 * @property {string} body Plain text.
 * @property {boolean} public Visible to the requester, or an internal note.
 * @property {string} created RFC 3339.
 */

/**
 * What `search` gets (`search-query`). Empty lists and `null` do not filter.
 * @typedef {object} SearchQuery
 * @property {string | null} text Words to find.
 * @property {string[]} statuses Status categories, any of which matches.
 * @property {string[]} priorities Priorities, any of which matches.
 * @property {string | null} assignee An e-mail address or the system's user id.
 * @property {string | null} requester An e-mail address or the system's user id.
 * @property {string | null} updatedSince RFC 3339 in UTC with `Z`: `2026-11-27T10:15:00Z`.
 * @property {number} limit At most this many tickets (1 to 100).
 * @property {string | null} cursor A `cursor` this plugin returned for the same query.
 */

/**
 * What `search` returns (`ticket-page`): tickets newest `updated` first.
 * @typedef {object} TicketPage
 * @property {Ticket[]} tickets
 * @property {string | null} cursor For the next page; `null` on the last.
 */

/**
 * What `create` gets (`new-ticket`).
 * @typedef {object} NewTicket
 * @property {string} title
 * @property {string} description
 * @property {string | null} priority One of `priorities`.
 * @property {string | null} assignee An e-mail address or the system's user id.
 * @property {string | null} requester An e-mail address or user id; the credential's user when `null`.
 * @property {string | null} queue Where to file it, in the system's terms; the plugin's default when `null`.
 * @property {string[]} labels
 */

/**
 * What `update` gets (`ticket-update`); `null` leaves a field as it is.
 * @typedef {object} TicketUpdate
 * @property {string | null} status One of `statusCategories`.
 * @property {string | null} note The resolution note for `resolved`/`closed`, else an internal note.
 * @property {{tag: 'unassigned'} | {tag: 'to', val: string} | null} assignee
 * @property {string | null} priority One of `priorities`.
 */

/**
 * The functions a ticket system implements (the `ticketing` interface),
 * each throwing a `toolError` value to fail:
 * @typedef {object} TicketSystem
 * @property {(query: SearchQuery) => TicketPage} search Tickets matching `query`, newest `updated` first.
 * @property {(key: string) => {ticket: Ticket, comments: Comment[]}} get Ticket `key` with its comments,
 *   oldest first; throw `toolError.notFound` for an unknown key.
 * @property {(ticket: NewTicket) => Ticket} create Files a ticket; returns it as the system now has it.
 * @property {(key: string, comment: {body: string, public: boolean}) => Comment} addComment
 * @property {(key: string, update: TicketUpdate) => Ticket} update Returns the ticket as the system now has it.
 */

const TICKETING_FUNCTIONS = ['search', 'get', 'create', 'addComment', 'update'];

/**
 * Fails the call with an `internal` tool error, rather than a trap the host
 * can only call a crash, when a ticket carries a status or priority that is
 * not one of the normalised values: a mapping table missed a value.
 */
function checkedTicket(ticket) {
  if (!statusCategories.includes(ticket?.status)) {
    throw toolError.internal(
      `ticket \`${ticket?.key}\` has status \`${ticket?.status}\`, which is not a status category`,
    );
  }
  if (ticket.priority !== null && ticket.priority !== undefined && !priorities.includes(ticket.priority)) {
    throw toolError.internal(`ticket \`${ticket.key}\` has priority \`${ticket.priority}\`, which is not a priority`);
  }
  return ticket;
}

/**
 * The exports of a plugin that fronts a ticket system: everything
 * `definePlugin` returns (pass it the same options), plus `ticketing`, the
 * `ticketing` interface's implementation (see `TicketSystem`). Export it by
 * name beside the world's functions, and build with `--world-name
 * ticket-adapter`:
 *
 *     const plugin = defineTicketPlugin({ manifest, tools, ticketing: { search, get, create, addComment, update } });
 *     export const { describe, listTools, callTool, listResources, listResourceTemplates, readResource,
 *                    listPrompts, getPrompt, complete, ticketing } = plugin;
 *
 * The host has already checked the arguments' shape, and an adapter only
 * ever sees its own keys (the host strips the `{plugin}:` prefix). Keep the
 * mappings between the system's vocabulary and the normalised one as data,
 * a table per direction, so they can be documented and tested.
 *
 * @param {object} options `definePlugin`'s options and `ticketing`.
 * @param {TicketSystem} options.ticketing
 */
export function defineTicketPlugin({ ticketing, ...options }) {
  const missing = TICKETING_FUNCTIONS.filter((name) => typeof ticketing?.[name] !== 'function');
  if (missing.length > 0) {
    throw new Error(`defineTicketPlugin: \`ticketing\` lacks ${missing.join(', ')}`);
  }
  return {
    ...definePlugin(options),
    ticketing: {
      search(query) {
        const page = ticketing.search(query);
        return { tickets: page.tickets.map(checkedTicket), cursor: page.cursor ?? null };
      },
      get(key) {
        const details = ticketing.get(key);
        return { ticket: checkedTicket(details.ticket), comments: details.comments };
      },
      create: (ticket) => checkedTicket(ticketing.create(ticket)),
      addComment: (key, comment) => ticketing.addComment(key, comment),
      update: (key, update) => checkedTicket(ticketing.update(key, update)),
    },
  };
}
