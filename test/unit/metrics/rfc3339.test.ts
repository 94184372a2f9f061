import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseRfc3339 } from '../../../shared/metrics/rfc3339.js';

describe('parseRfc3339', () => {
  // Date.parse agrees with RFC 3339 on these well-formed inputs, so it serves as the independent oracle.
  const valid = [
    '2020-04-20T22:52:23Z',
    '1970-01-01T00:00:00Z',
    '2000-02-29T23:59:59Z',
    '2100-03-01T00:00:00Z',
    '1969-12-31T23:59:59Z',
    '2020-04-20T22:52:23.5Z',
    '2020-04-20T22:52:23.123Z',
    '2020-04-20T22:52:23+02:00',
    '2020-04-20T22:52:23-05:30',
    '2020-04-20t22:52:23z',
  ];
  for (const text of valid) {
    test(text, () => assert.equal(parseRfc3339(text), Date.parse(text.toUpperCase())));
  }

  test('fractions beyond milliseconds are truncated', () => {
    assert.equal(parseRfc3339('2020-04-20T22:52:23.123456789Z'), Date.parse('2020-04-20T22:52:23.123Z'));
  });

  const invalid = [
    '',
    '2020-04-20',
    '2020-04-20 22:52:23Z',
    '2020-13-20T22:52:23Z',
    '2020-04-20T24:00:00Z',
    '2020-04-20T22:52:23',
    '2020-04-20T22:52:23.Z',
    '2020-04-20T22:52:23Zjunk',
    '2020-04-20T22:52:23+0200',
    'x020-04-20T22:52:23Z',
  ];
  for (const text of invalid) {
    test(`rejects ${JSON.stringify(text)}`, () => assert.ok(Number.isNaN(parseRfc3339(text))));
  }
});
