// The mapping tables, both ways, row by row.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CATEGORY_STATUS,
  LEVEL_PRIORITY,
  PRIORITIES,
  PRIORITY_LEVELS,
  STATUSES,
  STATUS_CATEGORIES,
  categoryOf,
  levelOf,
  priorityFor,
  statusFor,
  statusSearch,
} from '../tables.js';

const CATEGORIES = ['new', 'open', 'pending', 'in-progress', 'resolved', 'closed'];
const LEVELS = ['critical', 'high', 'medium', 'low', 'planning'];

test('every Zendesk status reads as the documented category', () => {
  const read = STATUSES.flatMap((status) => [false, true].map((assigned) => [status, assigned, categoryOf(status, assigned)]));
  assert.deepEqual(read, [
    ['new', false, 'new'],
    ['new', true, 'new'],
    ['open', false, 'open'],
    ['open', true, 'in-progress'],
    ['pending', false, 'pending'],
    ['pending', true, 'pending'],
    ['hold', false, 'pending'],
    ['hold', true, 'pending'],
    ['solved', false, 'resolved'],
    ['solved', true, 'resolved'],
    ['closed', false, 'closed'],
    ['closed', true, 'closed'],
  ]);
  assert.equal(categoryOf('some-future-status', false), 'open', 'an unknown status does not fail the call');
});

test('every category is written as a Zendesk status that reads back as it', () => {
  assert.deepEqual(CATEGORY_STATUS.map(([category]) => category).sort(), [...CATEGORIES].sort());
  for (const category of CATEGORIES) {
    const status = statusFor(category);
    assert.ok(STATUSES.includes(status), `${category} → ${status}`);
    // in-progress is open with an assignee (the adapter assigns one).
    assert.equal(categoryOf(status, category === 'in-progress'), category);
  }
  assert.equal(statusFor('on-hold'), null);
});

test('priorities map both ways; planning is written as low and reads back as low', () => {
  assert.deepEqual(PRIORITY_LEVELS.map(([priority]) => priority), PRIORITIES);
  assert.deepEqual(LEVEL_PRIORITY.map(([level]) => level), LEVELS);
  assert.deepEqual(PRIORITIES.map(levelOf), ['critical', 'high', 'medium', 'low']);
  assert.deepEqual(LEVELS.map(priorityFor), ['urgent', 'high', 'normal', 'low', 'low']);
  for (const level of LEVELS.filter((level) => level !== 'planning')) {
    assert.equal(levelOf(priorityFor(level)), level, level);
  }
  assert.equal(levelOf(priorityFor('planning')), 'low', 'lossy, as documented');
  assert.equal(levelOf(null), null);
});

test('a status search asks for every status of the wanted categories', () => {
  assert.deepEqual(statusSearch(['pending']), { statuses: ['pending', 'hold'], assignee: null, needsCheck: false });
  assert.deepEqual(statusSearch(['resolved', 'closed']), { statuses: ['solved', 'closed'], assignee: null, needsCheck: false });
  assert.deepEqual(statusSearch(['open', 'in-progress']), { statuses: ['open'], assignee: null, needsCheck: false });
  assert.deepEqual(statusSearch(['open']), { statuses: ['open'], assignee: 'none', needsCheck: false });
  assert.deepEqual(statusSearch(['in-progress']), { statuses: ['open'], assignee: 'someone', needsCheck: false });
  assert.deepEqual(statusSearch(['in-progress', 'new']), { statuses: ['new', 'open'], assignee: null, needsCheck: true });
  assert.deepEqual(
    statusSearch(['new', 'open', 'pending', 'in-progress']),
    { statuses: ['new', 'open', 'pending', 'hold'], assignee: null, needsCheck: false },
  );
});

test('the tables are frozen data', () => {
  for (const table of [STATUS_CATEGORIES, CATEGORY_STATUS, PRIORITY_LEVELS, LEVEL_PRIORITY]) {
    assert.ok(Object.isFrozen(table));
  }
});
