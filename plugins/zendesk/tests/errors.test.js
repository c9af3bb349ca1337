// Zendesk's failures as tool errors that say what to do.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { host } from '../../../sdk/js/testing/host.js';

const { explanation, statusError, transportError } = await import('../errors.js');
const { get, put } = await import('../client.js');

/** What `get('tickets/1')` throws when Zendesk answers `answer`. */
function failure(answer, call = () => get('tickets/1', {}, 'ticket 1')) {
  host.reset({ config: { site: 'acme.zendesk.com' } });
  host.answer(() => answer);
  try {
    call();
  } catch (error) {
    return error;
  }
  assert.fail('the call should fail');
}

test('every error shape Zendesk uses is explained', () => {
  assert.equal(explanation(401, '{"error":"Couldn\'t authenticate you"}'), "Couldn't authenticate you");
  assert.equal(explanation(404, '{"error":"RecordNotFound","description":"Not found"}'), 'RecordNotFound - Not found');
  assert.equal(
    explanation(400, '{"error":{"title":"Invalid attribute","message":"page must be an integer"}}'),
    'Invalid attribute: page must be an integer',
  );
  assert.equal(
    explanation(400, '{"errors":[{"code":"InvalidPaginationParameter","title":"Invalid Pagination Parameter","detail":"bad cursor"}]}'),
    'Invalid Pagination Parameter: bad cursor',
  );
  assert.equal(
    explanation(
      422,
      JSON.stringify({
        error: 'RecordInvalid',
        description: 'Record validation errors',
        details: { status: [{ description: 'Status: closed prevents ticket update', error: 'ClosedPreventsUpdate' }] },
      }),
    ),
    'RecordInvalid - Record validation errors - status: Status: closed prevents ticket update',
  );
  assert.equal(explanation(429, 'Rate limit for ticket updates exceeded,\n please wait'), 'Rate limit for ticket updates exceeded, please wait');
  assert.equal(explanation(500, ''), 'HTTP 500');
  assert.ok(explanation(500, 'x'.repeat(5000)).length <= 401, 'bounded');
});

test('a refused credential names it, both ways to store it and the 2027 retirement', () => {
  const error = failure({ status: 401, json: { error: "Couldn't authenticate you" } });
  assert.equal(error.tag, 'denied');
  for (const said of ['`zendesk` credential', "Couldn't authenticate you", '--scheme basic', '/token', '--scheme bearer', '2027']) {
    assert.ok(error.val.includes(said), `${said}: ${error.val}`);
  }
});

test('403, 404, 409 and 422 say what went wrong and what to do', () => {
  const forbidden = failure({ status: 403, json: { error: 'Forbidden', description: 'You do not have access to this page.' } });
  assert.equal(forbidden.tag, 'denied');
  assert.ok(forbidden.val.includes('agent or admin') && forbidden.val.includes('You do not have access'), forbidden.val);
  const missing = failure({ status: 404, json: { error: 'RecordNotFound', description: 'Not found' } });
  assert.deepEqual(missing, { tag: 'not-found', val: 'ticket 1 was not found in Zendesk (RecordNotFound - Not found)' });
  const endpoint = failure({ status: 404, json: { error: 'InvalidEndpoint', description: 'Not found' } });
  assert.equal(endpoint.tag, 'upstream');
  assert.ok(endpoint.val.message.includes('`site`'), endpoint.val.message);
  const conflict = failure({ status: 409, json: { error: 'UpdateConflict', description: 'Safe Update prevented the update' } });
  assert.equal(conflict.val.status, 409);
  const invalid = failure(
    {
      status: 422,
      json: { error: 'RecordInvalid', description: 'Record validation errors', details: { base: [{ description: 'Description: cannot be blank' }] } },
    },
    () => put('tickets/1', { ticket: {} }, 'ticket 1'),
  );
  assert.equal(invalid.tag, 'invalid-arguments');
  assert.ok(invalid.val.includes('base: Description: cannot be blank'), invalid.val);
});

test('a 429 the host did not wait out gives the wait, from a text/plain body too', () => {
  const limited = failure({
    status: 429,
    headers: [['retry-after', '37'], ['content-type', 'text/plain; charset=utf-8']],
    text: 'Number of allowed API requests per minute exceeded',
  });
  assert.equal(limited.tag, 'upstream');
  assert.equal(limited.val.status, 429);
  assert.ok(limited.val.message.includes('in 37 s') && limited.val.message.includes('per minute exceeded'), limited.val.message);
  const waited = failure({ error: { tag: 'rate-limited', val: 120000 } });
  assert.ok(waited.val.message.includes('in 120 s'), waited.val.message);
});

test('failures to reach Zendesk are worded for the operator', () => {
  const credential = transportError({ tag: 'credential-failed', val: 'no credential `zendesk` is configured' });
  assert.equal(credential.tag, 'denied');
  assert.ok(credential.val.includes('could not be used') && credential.val.includes('berth credential set'), credential.val);
  const denied = transportError({ tag: 'denied', val: 'egress refused' });
  assert.ok(denied.val.includes('site'), denied.val);
  assert.deepEqual(transportError({ tag: 'timeout' }), { tag: 'upstream', val: { status: null, message: 'the upstream did not answer in time' } });
  assert.equal(statusError({ status: 502, text: () => 'Bad gateway', header: () => null }, 'x').val.status, 502);
});

test('requests name the credential and stay under the site\'s API root', () => {
  host.reset({ config: { site: 'acme.zendesk.com' } });
  host.answer(() => ({ status: 200, json: { ok: true } }));
  get('tickets', { 'page[size]': 5, 'page[after]': null, query: 'type:ticket "a+b"' }, 'the list');
  const [sent] = host.requests;
  assert.equal(sent.url, 'https://acme.zendesk.com/api/v2/tickets?page[size]=5&query=type%3Aticket%20%22a%2Bb%22');
  assert.equal(sent.credential, 'zendesk');
  assert.equal(sent.method, 'get');
  assert.deepEqual(sent.headers, [['accept', 'application/json']]);
  host.answer(() => ({ status: 200, text: '<html>' }));
  assert.throws(() => get('tickets', {}, 'the list'), (error) => error.tag === 'upstream' && error.val.message.includes('not JSON'));
});
