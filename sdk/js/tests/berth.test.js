// berth.js under `node --test`, with the fake host of ../testing/host.js.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { host } from '../testing/host.js';

const { defineTicketPlugin, definePlugin, http, statusCategories, priorities, toolError, utf8Decode, utf8Encode } = await import(
  '../berth.js'
);

const MANIFEST = { name: 'desk', version: '0.1.0', description: 'A desk', egress: [], credentials: [], config: [] };
const TICKET = {
  key: '1',
  title: 'Printer',
  description: '',
  status: 'in-progress',
  statusName: 'open',
  priority: null,
  priorityName: null,
  assignee: null,
  requester: null,
  group: null,
  created: '2026-11-27T10:00:00Z',
  updated: '2026-11-27T10:00:00Z',
  labels: [],
  url: null,
};

function system(overrides = {}) {
  return {
    search: () => ({ tickets: [TICKET] }),
    get: (key) => ({ ticket: { ...TICKET, key }, comments: [] }),
    create: () => TICKET,
    addComment: () => ({ id: '1', author: null, body: 'x', public: false, created: TICKET.created }),
    update: () => TICKET,
    ...overrides,
  };
}

test('a ticket plugin has the world\'s exports and the ticketing interface', () => {
  const plugin = defineTicketPlugin({ manifest: MANIFEST, tools: [], ticketing: system() });
  assert.deepEqual(Object.keys(definePlugin({ manifest: MANIFEST, tools: [] })).concat('ticketing'), Object.keys(plugin));
  assert.deepEqual(Object.keys(plugin.ticketing), ['search', 'get', 'create', 'addComment', 'update']);
  assert.deepEqual(plugin.ticketing.search({}), { tickets: [TICKET], cursor: null }, 'an absent cursor is none');
  assert.equal(plugin.ticketing.get('7').ticket.key, '7');
  assert.equal(plugin.describe().name, 'desk');
});

test('a missing function is named at once, a bad mapping as an internal error', () => {
  assert.throws(
    () => defineTicketPlugin({ manifest: MANIFEST, tools: [], ticketing: system({ addComment: undefined }) }),
    /lacks addComment/,
  );
  const plugin = defineTicketPlugin({
    manifest: MANIFEST,
    tools: [],
    ticketing: system({ create: () => ({ ...TICKET, status: 'on-hold' }), update: () => ({ ...TICKET, priority: 'p1' }) }),
  });
  assert.throws(() => plugin.ticketing.create({}), (error) => error.tag === 'internal' && error.val.includes('on-hold'));
  assert.throws(() => plugin.ticketing.update('1', {}), (error) => error.tag === 'internal' && error.val.includes('p1'));
  assert.deepEqual(statusCategories, ['new', 'open', 'pending', 'in-progress', 'resolved', 'closed']);
  assert.deepEqual(priorities, ['critical', 'high', 'medium', 'low', 'planning']);
});

test('a failed request can be worded by the plugin', () => {
  host.reset();
  host.answer(() => ({ error: { tag: 'rate-limited', val: 5000 } }));
  assert.throws(() => http.send({ url: 'https://x/' }), (error) => error.tag === 'upstream' && error.val.message.includes('5000 ms'));
  assert.throws(
    () => http.send({ url: 'https://x/' }, { onFailure: (failure) => toolError.denied(`waited ${failure.val}`) }),
    (error) => error.tag === 'denied' && error.val === 'waited 5000',
  );
});

test('a body\'s start is read at a character boundary', () => {
  host.reset();
  host.answer(() => ({ status: 200, text: 'ab€cd' }));
  const response = http.send({ url: 'https://x/' });
  assert.equal(response.text(), 'ab€cd');
  assert.equal(response.text(3), 'ab', 'the euro sign would be cut');
  assert.equal(response.text(5), 'ab€');
  assert.equal(utf8Decode(utf8Encode('Zoë 🚢')), 'Zoë 🚢');
});

test('a plugin without events says so, and one with them hands deliveries to its handler', () => {
  const plain = definePlugin({ manifest: MANIFEST, tools: [] });
  assert.equal(plain.describeEvents(), null);
  assert.throws(() => plain.handleEvent([], new Uint8Array()), (error) => error === 'this plugin takes no events');

  const source = { signature: { tag: 'hub-signature-256' }, deliveryHeader: 'x-delivery', typeHeader: null };
  const seen = [];
  const hooked = definePlugin({
    manifest: MANIFEST,
    tools: [],
    events: {
      source,
      handle(headers, body) {
        seen.push([headers.get('x-delivery'), utf8Decode(body)]);
        if (headers.has('x-broken')) {
          throw new Error('no ticket in this delivery');
        }
        return { kind: 'ticket.updated', updated: ['desk://tickets/1'], listsChanged: false, invalidateCache: true };
      },
    },
  });
  assert.deepEqual(hooked.describeEvents(), source);
  const outcome = hooked.handleEvent([['x-delivery', 'd-1']], utf8Encode('{"id":1}'));
  assert.deepEqual(outcome.updated, ['desk://tickets/1']);
  assert.deepEqual(seen, [['d-1', '{"id":1}']]);
  assert.throws(
    () => hooked.handleEvent([['x-broken', '1']], new Uint8Array()),
    (error) => error === 'no ticket in this delivery',
    'a failure is text, for the event history',
  );
});
