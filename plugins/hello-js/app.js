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
// `berth.js` is Berth's JavaScript SDK (sdk/js/berth.js): typed tools, the
// host's HTTP client with credentials by name, the tenant's settings and
// cache, and tool errors. jco's QuickJS backend bundles it into the
// component, built against the contract in wit/ (`--world-name adapter`).
//
// Build: `cargo build` does it (host/build.rs), with the jco pinned in
// sdk/js/package-lock.json.

import { cache, config, definePlugin, fields, http, log, tool, toolError } from '../../sdk/js/berth.js';

/** How long `remember` keeps a value, in seconds. */
const REMEMBER_TTL_SECONDS = 3600;

/** `greet` says this unless the tenant's `greeting` setting says otherwise. */
const DEFAULT_GREETING = 'Hello';

/** The plugin's one resource: its greeting, `Hello, world!`. */
const GREETING_URI = 'hellojs://greeting';

/** `Hello, {name}!`, in the tenant's word for hello. */
function greetingFor(name) {
  return `${config('greeting') ?? DEFAULT_GREETING}, ${name}!`;
}

function remember({ key, value }) {
  try {
    cache.set(key, value, REMEMBER_TTL_SECONDS);
  } catch (error) {
    // The only cache error is `too-large`, carrying the host's limit.
    // Worded exactly as the Rust `hello` words it.
    throw toolError.invalidArguments(`cannot remember \`${key}\`: CacheError::TooLarge(${error.val})`);
  }
  log('info', `remembered \`${key}\``);
  return `Remembered \`${key}\`.`;
}

function recall({ key }) {
  const value = cache.get(key);
  if (value === null) {
    throw toolError.notFound(`nothing remembered under \`${key}\``);
  }
  return value;
}

function fetch({ url }) {
  const response = http.send({ url, headers: [['accept', 'application/json']] });
  return `HTTP ${response.status}: ${response.text()}`;
}

const plugin = definePlugin({
  manifest: {
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
  },
  tools: [
    tool('greet', 'Greets someone by name.', ({ name }) => greetingFor(name), {
      title: 'Greet',
      schema: fields({ name: 'Who to greet.' }),
      hints: { readOnly: true, destructive: false, idempotent: true, openWorld: false },
    }),
    tool('remember', 'Remembers a value under a key for this tenant.', remember, {
      schema: fields({ key: 'Name to store the value under.', value: 'Text to remember.' }),
      hints: { readOnly: false, destructive: false, idempotent: true, openWorld: false },
    }),
    tool('recall', 'Recalls a value remembered under a key.', recall, {
      schema: fields({ key: 'Name the value was stored under.' }),
      hints: { readOnly: true, destructive: false, idempotent: true, openWorld: false },
    }),
    tool('fetch', 'Fetches a URL through the host (hello has no egress, so this is always denied).', fetch, {
      schema: fields({ url: 'Absolute URL to GET.' }),
      hints: { readOnly: true, destructive: false, idempotent: true, openWorld: true },
    }),
  ],
  resources: () => [
    {
      uri: GREETING_URI,
      name: 'greeting',
      title: null,
      description: 'The greeting this tenant uses',
      mimeType: 'text/plain',
      size: null,
    },
  ],
  readResource(uri) {
    if (uri !== GREETING_URI) {
      throw toolError.notFound(`no resource \`${uri}\``);
    }
    return [{ uri, mimeType: 'text/plain', body: { tag: 'text', val: greetingFor('world') } }];
  },
  prompts: [
    {
      spec: {
        name: 'greet_someone',
        title: null,
        description: 'Asks the model to greet someone warmly',
        arguments: [{ name: 'name', description: 'Who to greet', required: true }],
      },
      build: (args) => {
        const message = { role: 'user', content: { tag: 'text', val: `Please greet ${args.get('name') ?? ''} warmly.` } };
        return { description: 'Greets someone warmly', messages: [message] };
      },
    },
  ],
});

// The world's exports.
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
} = plugin;
