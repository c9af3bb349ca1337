// Search queries: caller text never becomes syntax.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import '../../../sdk/js/testing/host.js';

const { MAX_WORDS, property, quoted, searchTime, ticketingSearch, words } = await import('../query.js');

/** A `search-query` record with `fields` set. */
function query(fields) {
  return {
    text: null,
    statuses: [],
    priorities: [],
    assignee: null,
    requester: null,
    updatedSince: null,
    limit: 10,
    cursor: null,
    ...fields,
  };
}

test('each word is quoted, so none acts as a property, exclusion or wildcard', () => {
  assert.deepEqual(words('VPN  disconnects'), ['"VPN"', '"disconnects"']);
  assert.deepEqual(words('status:closed -vpn print*'), ['"status:closed"', '"-vpn"', '"print*"']);
  assert.deepEqual(words('say "hi" \\ there\u0000now'), ['"say"', '"hi"', '"there"', '"now"']);
  assert.deepEqual(words('   '), []);
  assert.throws(() => words('w '.repeat(MAX_WORDS + 1)), (error) => error.tag === 'invalid-arguments');
});

test('people and groups are ids or quoted values', () => {
  assert.equal(property('assignee', '381624011201'), 'assignee:381624011201');
  assert.equal(property('assignee', 'li.wei@example.com'), 'assignee:"li.wei@example.com"');
  assert.equal(property('group', 'IT Operations'), 'group:"IT Operations"');
  assert.equal(property('group', 'x" status:closed "y'), 'group:"x status:closed y"');
  assert.equal(property('assignee', 'ME', ['me', 'none']), 'assignee:me');
  assert.equal(property('assignee', 'me'), 'assignee:"me"', 'a bare word only where allowed');
  assert.throws(() => property('group', '""'), (error) => error.tag === 'invalid-arguments');
  assert.equal(quoted('  two   words '), '"two words"');
});

test('times are a date or a UTC instant', () => {
  assert.equal(searchTime('2026-11-01', 'since'), '2026-11-01');
  assert.equal(searchTime('2026-11-27T10:15:00Z', 'since'), '2026-11-27T10:15:00Z');
  assert.equal(searchTime('2026-11-27T10:15:00.250Z', 'since'), '2026-11-27T10:15:00Z');
  for (const bad of ['2026-11-27T10:15:00+10:00', 'yesterday', '2026-11-27 10:15:00', 'updated>1']) {
    assert.throws(() => searchTime(bad, 'since'), (error) => error.tag === 'invalid-arguments' && error.val.includes('since'));
  }
});

test('the normalised query becomes one Zendesk search', () => {
  assert.deepEqual(ticketingSearch(query({})), { text: 'type:ticket', categories: [], check: false });
  const full = ticketingSearch(
    query({
      text: 'badge reader',
      statuses: ['pending', 'resolved'],
      priorities: ['critical', 'low', 'planning'],
      assignee: 'li.wei@example.com',
      requester: '381624011204',
      updatedSince: '2026-11-27T10:15:00Z',
    }),
  );
  assert.equal(
    full.text,
    'type:ticket "badge" "reader" status:pending status:hold status:solved priority:urgent priority:low ' +
      'assignee:"li.wei@example.com" requester:381624011204 updated>=2026-11-27T10:15:00Z',
  );
  assert.equal(full.check, false);
  assert.equal(ticketingSearch(query({ statuses: ['open'] })).text, 'type:ticket status:open assignee:none');
  assert.equal(ticketingSearch(query({ statuses: ['in-progress'] })).text, 'type:ticket status:open -assignee:none');
  const mixed = ticketingSearch(query({ statuses: ['new', 'in-progress'] }));
  assert.deepEqual(mixed, { text: 'type:ticket status:new status:open', categories: ['new', 'in-progress'], check: true });
});
