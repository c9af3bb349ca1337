// The normalised desk over a scripted Zendesk: what is asked, and what the
// answers become.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { host } from '../../../sdk/js/testing/host.js';

const ticketing = await import('../ticketing.js');
const { MAX_COMMENTS } = await import('../tickets.js');

const SITE = 'acme.zendesk.com';
const LI = { id: 381624011201, name: 'Li Wei', email: 'li.wei@example.com', role: 'agent' };
const GRACE = { id: 381624011204, name: "Grace O'Connor", email: 'grace.oconnor@example.com', role: 'end-user' };
const GROUPS = [{ id: 360001870002, name: 'IT Operations' }];

function ticket(id, fields = {}) {
  return {
    id,
    subject: `Ticket ${id}`,
    description: `About ${id}`,
    status: 'open',
    priority: 'normal',
    requester_id: GRACE.id,
    submitter_id: GRACE.id,
    assignee_id: LI.id,
    group_id: GROUPS[0].id,
    tags: ['vpn'],
    created_at: '2026-11-20T08:00:00Z',
    updated_at: `2026-11-27T10:${String(id % 60).padStart(2, '0')}:00Z`,
    ...fields,
  };
}

/** Query parameters of a request, decoded. */
function params(request) {
  return Object.fromEntries(new URL(request.url).searchParams);
}

/** The path under /api/v2/. */
function path(request) {
  return new URL(request.url).pathname.replace('/api/v2/', '');
}

/** A scripted account: `routes` maps `METHOD path` to an answer or a function of the request. */
function account(routes) {
  host.reset({ config: { site: SITE } });
  host.answer((request) => {
    const route = routes[`${request.method.toUpperCase()} ${path(request)}`];
    if (route === undefined) {
      return { status: 404, json: { error: 'InvalidEndpoint', description: 'Not found' } };
    }
    return typeof route === 'function' ? route(request) : route;
  });
}

const PEOPLE = {
  'GET users/show_many': (request) => ({
    status: 200,
    json: { users: [LI, GRACE].filter((user) => params(request).ids.split(',').includes(String(user.id))) },
  }),
  'GET groups': { status: 200, json: { groups: GROUPS } },
};

const SEARCH_QUERY = {
  text: null,
  statuses: [],
  priorities: [],
  assignee: null,
  requester: null,
  updatedSince: null,
  limit: 2,
  cursor: null,
};

test('search asks Zendesk for newest-updated tickets and pages by offset', () => {
  account({
    ...PEOPLE,
    'GET search': (request) => {
      const page = Number(params(request).page);
      const results = page === 1 ? [ticket(101), ticket(102)] : [ticket(103)];
      return {
        status: 200,
        json: { results: results.map((result) => ({ ...result, result_type: 'ticket' })), next_page: page === 1 ? 'https://x' : null, count: 3 },
      };
    },
  });
  const first = ticketing.search({ ...SEARCH_QUERY, text: 'vpn home', priorities: ['critical'] });
  const asked = params(host.requests[0]);
  assert.deepEqual(asked, {
    query: 'type:ticket "vpn" "home" priority:urgent',
    sort_by: 'updated_at',
    sort_order: 'desc',
    page: '1',
    per_page: '2',
  });
  assert.deepEqual(first.tickets.map((found) => found.key), ['102', '101'], 'newest updated first');
  assert.equal(first.cursor, '2:2');
  const [newest] = first.tickets;
  assert.deepEqual(newest, {
    key: '102',
    title: 'Ticket 102',
    description: 'About 102',
    status: 'in-progress',
    statusName: 'open',
    priority: 'medium',
    priorityName: 'normal',
    assignee: { id: String(LI.id), name: LI.name, email: LI.email },
    requester: { id: String(GRACE.id), name: GRACE.name, email: GRACE.email },
    group: 'IT Operations',
    created: '2026-11-20T08:00:00Z',
    updated: '2026-11-27T10:42:00Z',
    labels: ['vpn'],
    url: 'https://acme.zendesk.com/agent/tickets/102',
  });
  assert.equal(host.requests.filter((request) => path(request) === 'users/show_many').length, 1, 'people in one request');

  const last = ticketing.search({ ...SEARCH_QUERY, text: 'vpn home', priorities: ['critical'], cursor: first.cursor });
  assert.equal(params(host.requests.filter((request) => path(request) === 'search').at(-1)).page, '2');
  assert.equal(host.requests.filter((request) => path(request) === 'groups').length, 1, 'groups come from the cache');
  assert.equal(host.requests.filter((request) => path(request) === 'users/show_many').length, 1, 'and so do people');
  assert.deepEqual(last.tickets[0].requester, { id: String(GRACE.id), name: GRACE.name, email: GRACE.email });
  assert.deepEqual(last.tickets.map((found) => found.key), ['103']);
  assert.equal(last.cursor, null);
});

test('cursors are checked, and stop at the 1,000 results Zendesk serves', () => {
  for (const bad of ['x', '1:10', '3:0', '2:101', '11:100', '2:2:2']) {
    assert.throws(() => ticketing.parseCursor(bad, 10), (error) => error.tag === 'invalid-arguments', bad);
  }
  assert.deepEqual(ticketing.parseCursor('10:100', 7), { page: 10, perPage: 100 });
  assert.equal(ticketing.nextCursor(9, 100, true), '10:100');
  assert.equal(ticketing.nextCursor(10, 100, true), null);
  assert.equal(ticketing.nextCursor(1, 100, false), null);
});

test('open and in-progress are told apart by the assignee when the search cannot', () => {
  account({
    ...PEOPLE,
    'GET search': {
      status: 200,
      json: { results: [ticket(1, { status: 'new', assignee_id: null }), ticket(2), ticket(3, { assignee_id: null })], next_page: null },
    },
  });
  const found = ticketing.search({ ...SEARCH_QUERY, limit: 10, statuses: ['new', 'in-progress'] });
  assert.equal(params(host.requests[0]).query, 'type:ticket status:new status:open');
  assert.deepEqual(found.tickets.map((kept) => [kept.key, kept.status]), [['2', 'in-progress'], ['1', 'new']]);
});

test('get reads the ticket and its newest comments, oldest first', () => {
  const comments = Array.from({ length: 350 }, (_, index) => ({
    id: 9000 + index,
    author_id: index % 2 ? LI.id : GRACE.id,
    body: `Comment ${index}`,
    plain_body: `Comment ${index}`,
    public: index % 3 !== 0,
    created_at: `2026-11-27T10:00:${String(index % 60).padStart(2, '0')}Z`,
  }));
  account({
    ...PEOPLE,
    'GET tickets/101': { status: 200, json: { ticket: ticket(101) } },
    'GET tickets/101/comments': (request) => {
      const asked = params(request);
      assert.equal(asked.sort_order, 'desc');
      const newestFirst = [...comments].reverse();
      const start = Number(asked['page[after]'] ?? 0);
      const page = newestFirst.slice(start, start + Number(asked['page[size]']));
      const more = start + page.length < newestFirst.length;
      return { status: 200, json: { comments: page, meta: { has_more: more, after_cursor: more ? String(start + page.length) : null } } };
    },
  });
  const details = ticketing.getTicket('101');
  assert.equal(details.ticket.key, '101');
  assert.equal(details.comments.length, MAX_COMMENTS);
  assert.equal(details.comments[0].body, 'Comment 50', 'the newest 300, oldest first');
  assert.equal(details.comments.at(-1).body, 'Comment 349');
  assert.deepEqual(details.comments.at(-1), {
    id: '9349',
    author: { id: String(LI.id), name: LI.name, email: LI.email },
    body: 'Comment 349',
    public: true,
    created: '2026-11-27T10:00:49Z',
  });
  assert.equal(host.requests.filter((request) => path(request) === 'tickets/101/comments').length, 3);
  assert.throws(() => ticketing.getTicket('OPS-12'), (error) => error.tag === 'not-found');
  assert.throws(() => ticketing.getTicket('0'), (error) => error.tag === 'not-found');
});

test('create files the description as the first public comment, in the named group', () => {
  let sent = null;
  account({
    ...PEOPLE,
    'GET users/search': { status: 200, json: { users: [LI] } },
    'POST tickets': (request) => {
      sent = JSON.parse(request.body);
      return { status: 201, json: { ticket: ticket(116, { status: 'open', priority: 'high' }), audit: { id: 1, events: [] } } };
    },
  });
  const created = ticketing.create({
    title: 'Badge reader rejects cards',
    description: '   ',
    priority: 'high',
    assignee: 'LI.WEI@example.com',
    requester: 'someone.new@example.com',
    queue: 'it operations',
    labels: ['door3'],
  });
  assert.deepEqual(sent, {
    ticket: {
      subject: 'Badge reader rejects cards',
      comment: { body: 'Badge reader rejects cards', public: true },
      tags: ['door3'],
      priority: 'high',
      assignee_id: LI.id,
      requester: { email: 'someone.new@example.com' },
      group_id: GROUPS[0].id,
    },
  });
  assert.equal(created.key, '116');
  assert.equal(created.priority, 'high');
  assert.throws(
    () => ticketing.create({ title: 't', description: 'd', priority: null, assignee: null, requester: null, queue: 'Nope', labels: [] }),
    (error) => error.tag === 'invalid-arguments' && error.val.includes('IT Operations'),
  );
});

test('update maps the status, assigns in-progress work to the credential\'s user, and notes privately', () => {
  const sent = [];
  account({
    ...PEOPLE,
    'GET tickets/105': { status: 200, json: { ticket: ticket(105, { assignee_id: null }) } },
    'GET users/me': { status: 200, json: { user: LI } },
    'GET users/search': { status: 200, json: { users: [GRACE] } },
    'PUT tickets/105': (request) => {
      sent.push(JSON.parse(request.body).ticket);
      return { status: 200, json: { ticket: ticket(105, { status: 'open' }), audit: { id: 2, events: [] } } };
    },
  });
  const working = ticketing.update('105', { status: 'in-progress', note: 'On it', assignee: null, priority: 'planning' });
  assert.deepEqual(sent[0], { status: 'open', priority: 'low', assignee_id: LI.id, comment: { body: 'On it', public: false } });
  assert.equal(working.status, 'in-progress');
  ticketing.update('105', { status: 'resolved', note: null, assignee: { tag: 'unassigned' }, priority: null });
  assert.deepEqual(sent[1], { status: 'solved', assignee_id: null });
  assert.throws(
    () => ticketing.update('105', { status: null, note: null, assignee: { tag: 'to', val: GRACE.email }, priority: null }),
    (error) => error.tag === 'invalid-arguments' && error.val.includes('end user'),
    'found by the user search',
  );
});

test('a comment comes back as Zendesk stored it', () => {
  let sent = null;
  account({
    ...PEOPLE,
    'PUT tickets/101': (request) => {
      sent = JSON.parse(request.body);
      return { status: 200, json: { ticket: ticket(101), audit: { id: 77, created_at: '2026-11-27T11:00:00Z', events: [{ id: 5, type: 'Comment' }] } } };
    },
    'GET tickets/101/comments': {
      status: 200,
      json: { comments: [{ id: 6, audit_id: 77, author_id: LI.id, body: 'Noted', plain_body: 'Noted', public: false, created_at: '2026-11-27T11:00:00Z' }] },
    },
  });
  const comment = ticketing.addComment('101', { body: 'Noted', public: false });
  assert.deepEqual(sent, { ticket: { comment: { body: 'Noted', public: false } } });
  assert.deepEqual(comment, {
    id: '6',
    author: { id: String(LI.id), name: LI.name, email: LI.email },
    body: 'Noted',
    public: false,
    created: '2026-11-27T11:00:00Z',
  });
});
