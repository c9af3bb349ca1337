// The site setting: a host name, checked before anything is sent.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { host } from '../../../sdk/js/testing/host.js';

const { agentUrl, apiRoot, defaultGroup, parseSite } = await import('../settings.js');

test('a site is a host, with a port at most', () => {
  assert.equal(parseSite('acme.zendesk.com'), 'acme.zendesk.com');
  assert.equal(parseSite(' Acme.Zendesk.com '), 'acme.zendesk.com');
  assert.equal(parseSite('127.0.0.1:8443'), '127.0.0.1:8443');
  assert.equal(parseSite('support.example.co.uk'), 'support.example.co.uk');
});

test('anything else is refused with what to set', () => {
  for (const bad of [
    'https://acme.zendesk.com',
    'acme.zendesk.com/api/v2',
    'agent@acme.zendesk.com',
    'acme.zendesk.com:0',
    'acme.zendesk.com:99999',
    'acme..zendesk.com',
    '-acme.zendesk.com',
    'acme.zendesk.com?x=1',
    'acme zendesk',
  ]) {
    assert.throws(
      () => parseSite(bad),
      (error) => error.tag === 'invalid-arguments' && error.val.includes('berth config set'),
      bad,
    );
  }
  assert.throws(() => parseSite(null), (error) => error.val.includes('not configured'));
});

test('the API root and agent links come from the tenant\'s site', () => {
  host.reset({ config: { site: 'acme.zendesk.com' } });
  assert.equal(apiRoot(), 'https://acme.zendesk.com/api/v2');
  assert.equal(agentUrl('acme.zendesk.com', 35436), 'https://acme.zendesk.com/agent/tickets/35436');
  assert.equal(defaultGroup(), null);
  host.reset({ config: { site: 'acme.zendesk.com', default_group: ' Support ' } });
  assert.equal(defaultGroup(), 'Support');
});
