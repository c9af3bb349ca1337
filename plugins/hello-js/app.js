// `hellojs`: the `hello` plugin written in JavaScript, and the template for
// JavaScript plugins.
//
// - `greet {name}` answers `Hello, {name}!`; the word comes from the tenant's
//   `greeting` setting, `Hello` unless the operator changes it.
// - `remember {key, value}` stores a value in the tenant's cache.
// - `recall {key}` reads it back; another tenant never sees it.
// - `fetch {url}` asks the host to GET a URL. `hellojs` declares no egress, so
//   the host always denies it: the tool shows what a denial looks like.
// - The resource `hellojs://greeting` is the greeting itself, `Hello, world!`.
// - The prompt `greet_someone {name}` asks the model to greet someone warmly.
//
// It behaves exactly like the Rust `hello` example that ships with Berth,
// and Berth's end-to-end tests run the same checks against every language.
//
// Build it with jco's QuickJS backend (pinned in package-lock.json) against
// the contract in wit/:
//
//     npm ci
//     npx jco componentize app.js --wit ../../wit -n adapter --backend qjs \
//         --backend-qjs-disable-async -o hellojs.wasm
//
// `cargo build` does this for you (host/build.rs). WIT values map to plain
// JavaScript: records are objects with camelCase keys, variants are
// `{tag, val}`, enums are strings, `option` is the value or `null`. A
// `result` export returns its `ok` value and throws its `err` value; an
// import that fails throws an `Error` whose `payload` is its `err` value.

import { send } from 'berth:plugin/http@0.2.0';
import * as config from 'berth:plugin/config@0.2.0';
import * as cache from 'berth:plugin/cache@0.2.0';
import { log } from 'berth:plugin/log@0.2.0';

/** How long `remember` keeps a value, in seconds. */
const REMEMBER_TTL_SECONDS = 3600;

/** `greet` says this unless the tenant's `greeting` setting says otherwise. */
const DEFAULT_GREETING = 'Hello';

/** Tool errors, as the `tool-error` variant of wit/berth.wit. */
const toolError = {
  invalidArguments: (message) => ({ tag: 'invalid-arguments', val: message }),
  notFound: (message) => ({ tag: 'not-found', val: message }),
  denied: (message) => ({ tag: 'denied', val: message }),
  upstream: (status, message) => ({ tag: 'upstream', val: { status, message } }),
};

/**
 * The `err` value of an import that failed. Anything else thrown is a bug
 * and propagates (the host reports it as a crash).
 */
function importError(error) {
  if (error?.payload === undefined) {
    throw error;
  }
  return error.payload;
}

/**
 * The string argument `name`. The host has already validated the arguments
 * against the tool's schema, so this failing means the schema and the code
 * disagree.
 */
function stringField(args, name) {
  const value = args[name];
  if (typeof value !== 'string') {
    throw toolError.invalidArguments(`\`${name}\` must be a string`);
  }
  return value;
}

/** The UTF-8 bytes of `text`. (QuickJS has no TextEncoder.) */
function utf8Encode(text) {
  return Uint8Array.from(unescape(encodeURIComponent(text)), (char) => char.charCodeAt(0));
}

/**
 * The text in UTF-8 `bytes`. (QuickJS has no TextDecoder.) Bytes that are
 * not UTF-8 come out as U+FFFD rather than failing the call.
 */
function utf8Decode(bytes) {
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

/** `Hello, {name}!`, in the tenant's word for hello. */
function greetingFor(name) {
  const greeting = config.get('greeting') ?? DEFAULT_GREETING;
  return `${greeting}, ${name}!`;
}

function greet(args) {
  return greetingFor(stringField(args, 'name'));
}

function remember(args) {
  const key = stringField(args, 'key');
  const value = utf8Encode(stringField(args, 'value'));
  try {
    cache.set(key, value, REMEMBER_TTL_SECONDS);
  } catch (error) {
    // The only cache error is `too-large`, carrying the host's limit.
    // Worded exactly as the Rust `hello` words it.
    const limit = importError(error).val;
    throw toolError.invalidArguments(`cannot remember \`${key}\`: CacheError::TooLarge(${limit})`);
  }
  log('info', `remembered \`${key}\``);
  return `Remembered \`${key}\`.`;
}

function recall(args) {
  const key = stringField(args, 'key');
  const value = cache.get(key);
  if (value === null || value === undefined) {
    throw toolError.notFound(`nothing remembered under \`${key}\``);
  }
  return utf8Decode(value);
}

function fetch(args) {
  const request = {
    method: 'get',
    url: stringField(args, 'url'),
    headers: [['accept', 'application/json']],
    body: null,
    credential: null,
    timeoutMs: null,
  };
  let response;
  try {
    response = send(request);
  } catch (error) {
    throw toolErrorFromHttp(importError(error));
  }
  return `HTTP ${response.status}: ${utf8Decode(response.body)}`;
}

/**
 * A policy denial stays a denial; anything else is an upstream failure (the
 * same mapping as the Rust SDK's `?` on a request).
 */
function toolErrorFromHttp(error) {
  if (error.tag === 'denied') {
    return toolError.denied(error.val);
  }
  return toolError.upstream(null, httpErrorMessage(error));
}

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
 * JSON Schema of an arguments object whose fields are all required strings;
 * `fields` maps each field name to its description.
 */
function objectSchema(fields) {
  const properties = Object.fromEntries(
    Object.entries(fields).map(([name, description]) => [name, { type: 'string', description }]),
  );
  return JSON.stringify({
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    properties,
    required: Object.keys(fields),
    additionalProperties: false,
  });
}

/**
 * Tool `name` (`[a-z][a-z0-9_]*`), described for the model that calls it,
 * with the function that runs it. `hints` must state all four annotations.
 */
function tool(name, description, run, { schema, hints, title = null }) {
  return {
    spec: { name, title, description, inputSchema: schema, outputSchema: null, annotations: hints },
    run,
  };
}

const TOOLS = [
  tool('greet', 'Greets someone by name.', greet, {
    title: 'Greet',
    schema: objectSchema({ name: 'Who to greet.' }),
    hints: { readOnly: true, destructive: false, idempotent: true, openWorld: false },
  }),
  tool('remember', 'Remembers a value under a key for this tenant.', remember, {
    schema: objectSchema({ key: 'Name to store the value under.', value: 'Text to remember.' }),
    hints: { readOnly: false, destructive: false, idempotent: true, openWorld: false },
  }),
  tool('recall', 'Recalls a value remembered under a key.', recall, {
    schema: objectSchema({ key: 'Name the value was stored under.' }),
    hints: { readOnly: true, destructive: false, idempotent: true, openWorld: false },
  }),
  tool('fetch', 'Fetches a URL through the host (hello has no egress, so this is always denied).', fetch, {
    schema: objectSchema({ url: 'Absolute URL to GET.' }),
    hints: { readOnly: true, destructive: false, idempotent: true, openWorld: true },
  }),
];

// The world's exports. Each call runs in a fresh instance, so nothing here
// outlives a call; `describe` and `listTools` run without grants and must not
// use any capability.

export function describe() {
  return {
    name: 'hellojs',
    version: '0.1.0',
    description: 'Greets people and remembers things',
    egress: [],
    credentials: [],
    config: [
      {
        name: 'greeting',
        description: 'The word `greet` uses, for example `Kia ora`',
        required: false,
        default: DEFAULT_GREETING,
      },
    ],
  };
}

export function listTools() {
  return TOOLS.map((entry) => entry.spec);
}

/** Runs tool `name`: returns its text, or throws a `tool-error` value. */
export function callTool(name, argumentsJson) {
  const found = TOOLS.find((entry) => entry.spec.name === name);
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
  const text = found.run(args);
  return { content: [{ tag: 'text', val: text }], structured: null, isError: false };
}

/** The plugin's one resource: its greeting, `Hello, world!`. */
const GREETING_URI = 'hellojs://greeting';

export function listResources() {
  return [
    {
      uri: GREETING_URI,
      name: 'greeting',
      title: null,
      description: 'The greeting this tenant uses',
      mimeType: 'text/plain',
      size: null,
    },
  ];
}

export function listResourceTemplates() {
  return [];
}

export function readResource(uri) {
  if (uri !== GREETING_URI) {
    throw toolError.notFound(`no resource \`${uri}\``);
  }
  return [{ uri, mimeType: 'text/plain', body: { tag: 'text', val: greetingFor('world') } }];
}

export function listPrompts() {
  return [
    {
      name: 'greet_someone',
      title: null,
      description: 'Asks the model to greet someone warmly',
      arguments: [{ name: 'name', description: 'Who to greet', required: true }],
    },
  ];
}

/** Builds prompt `name` from `args`, a list of `[name, value]` pairs. */
export function getPrompt(name, args) {
  if (name !== 'greet_someone') {
    throw toolError.notFound(`this plugin has no prompt named \`${name}\``);
  }
  const who = new Map(args).get('name') ?? '';
  const message = { role: 'user', content: { tag: 'text', val: `Please greet ${who} warmly.` } };
  return { description: 'Greets someone warmly', messages: [message] };
}

export function complete(_request) {
  return { values: [], total: null, hasMore: false };
}
