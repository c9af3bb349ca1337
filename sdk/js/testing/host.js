// A fake Berth host for unit tests of JavaScript plugins under plain
// `node --test`: berth.js imports the host's interfaces
// (`berth:plugin/http@0.2.0`, ...), which Node cannot load, so importing
// this module first registers hooks that resolve them to fakes driven by
// `host`. Modules that import berth.js must then be imported dynamically,
// after this one has run:
//
//     import { host } from '../../../sdk/js/testing/host.js';
//     const { search } = await import('../ticketing.js');
//
//     host.reset({ config: { site: 'acme.zendesk.com' } });
//     host.answer((request) => ({ status: 200, json: { tickets: [] } }));
//
// `host.requests` records every request the plugin sent (URL, method,
// headers, body as text, credential), and `host.logs` every log record.

import { register } from 'node:module';

register('./hooks.js', import.meta.url);

/** The UTF-8 bytes of `text`. */
function bytes(text) {
  return new TextEncoder().encode(text);
}

/** What the fake host holds and does; tests set it up and read it back. */
export const host = {
  /** The tenant's settings. */
  config: new Map(),
  /** The tenant's cache: key → bytes. */
  cache: new Map(),
  /** Log records, as `[level, message]`. */
  logs: [],
  /** Requests sent, oldest first: `{method, url, headers, body, credential}` (body as text or null). */
  requests: [],
  /**
   * Answers a request: returns `{status, headers, json}` or `{status,
   * headers, text}` (headers as `[name, value]` pairs), or `{error}` with
   * an `http-error` value (`{tag: 'rate-limited', val: 60000}`) to fail it.
   */
  handler: () => ({ status: 404, json: { error: 'InvalidEndpoint', description: 'Not found' } }),

  /** Forgets everything; `config` gives the tenant's settings. */
  reset({ config = {} } = {}) {
    this.config = new Map(Object.entries(config));
    this.cache = new Map();
    this.logs = [];
    this.requests = [];
    this.handler = () => ({ status: 404, json: { error: 'InvalidEndpoint', description: 'Not found' } });
  },

  /** Answers every later request with `handler(request)`. */
  answer(handler) {
    this.handler = handler;
  },

  /** Performs `request` as `berth:plugin/http` `send` does. */
  send(request) {
    const body = request.body === null || request.body === undefined ? null : new TextDecoder().decode(request.body);
    const sent = { ...request, body };
    this.requests.push(sent);
    const answer = this.handler(sent);
    if (answer.error !== undefined) {
      throw Object.assign(new Error(`http-error ${answer.error.tag}`), { payload: answer.error });
    }
    const text = answer.json !== undefined ? JSON.stringify(answer.json) : (answer.text ?? '');
    const headers = [...(answer.headers ?? [])];
    if (answer.json !== undefined) {
      headers.push(['content-type', 'application/json; charset=utf-8']);
    }
    return { status: answer.status ?? 200, headers, body: bytes(text) };
  },
};
