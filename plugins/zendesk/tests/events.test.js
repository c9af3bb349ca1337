// Zendesk webhooks: which ticket a verified delivery names, in both shapes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
// The fake host provides the imports berth.js links against.
import '../../../sdk/js/testing/host.js';

const { utf8Encode } = await import('../../../sdk/js/berth.js');
const { handle, source } = await import('../events.js');

const delivery = (payload) => handle(new Map(), utf8Encode(JSON.stringify(payload)));

test('the host verifies Zendesk signatures and de-duplicates by invocation id', () => {
  assert.deepEqual(source, {
    signature: { tag: 'zendesk' },
    deliveryHeader: 'x-zendesk-webhook-invocation-id',
    typeHeader: null,
  });
});

test('an event-subscribed webhook names its ticket', () => {
  const changed = delivery({
    type: 'zen:event-type:ticket.status_changed',
    subject: 'zen:ticket:101',
    detail: { id: '101', status: 'OPEN' },
    zendesk_event_version: '2022-11-06',
  });
  assert.deepEqual(changed, {
    kind: 'ticket.status_changed',
    updated: ['zendesk://tickets/101'],
    listsChanged: false,
    invalidateCache: true,
  });
  const created = delivery({ type: 'zen:event-type:ticket.created', subject: 'zen:ticket:205', detail: {} });
  assert.deepEqual(created.updated, ['zendesk://tickets/205']);
  assert.equal(created.listsChanged, true, 'a new ticket changes the list');
});

test('a trigger webhook with the documented body names its ticket', () => {
  const changed = delivery({ ticket_id: '102', event: 'ticket.updated' });
  assert.deepEqual(changed.updated, ['zendesk://tickets/102']);
  assert.equal(changed.kind, 'ticket.updated');
});

test('a delivery that names no ticket changes nothing, and one that is not JSON is refused', () => {
  assert.deepEqual(delivery({ type: 'zen:event-type:user.created', detail: { id: 'abc' } }).updated, []);
  assert.throws(() => handle(new Map(), utf8Encode('not json')), /not JSON/);
});
