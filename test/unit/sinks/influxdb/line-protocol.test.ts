import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  escapeKey,
  escapeMeasurement,
  floatField,
  intField,
  quoteString,
  tagSet,
} from '../../../../shared/sinks/influxdb/line-protocol.js';

describe('line protocol escaping', () => {
  test('measurements escape commas and spaces, keep = and slashes', () => {
    assert.equal(escapeMeasurement('cpu/usage_rate'), 'cpu/usage_rate');
    assert.equal(escapeMeasurement('a b,c=d'), 'a\\ b\\,c=d');
  });

  test('tag keys, tag values and field keys escape commas, equals signs and spaces; line breaks become \\n', () => {
    assert.equal(escapeKey('app:web,tier:front end=x'), 'app:web\\,tier:front\\ end\\=x');
    assert.equal(escapeKey('two\nlines\ttab\r'), 'two\\nlines\\ttab\\r');
    assert.equal(escapeKey('plain-name_1.2'), 'plain-name_1.2');
  });

  test('string fields are quoted with " and \\ escaped, line breaks and unicode kept', () => {
    assert.equal(quoteString('say "hi"\\now'), '"say \\"hi\\"\\\\now"');
    assert.equal(quoteString('a\nb ✓ 🚀'), '"a\nb ✓ 🚀"');
  });

  test('integers carry i, are truncated and clamped to int64; floats never carry a suffix', () => {
    assert.equal(intField(42), '42i');
    assert.equal(intField(-7.9), '-7i');
    assert.equal(intField(2 ** 53 + 2), '9007199254740994i');
    assert.equal(intField(1e30), '9223372036854775807i');
    assert.equal(intField(-1e30), '-9223372036854775808i');
    assert.equal(intField(NaN), undefined);
    assert.equal(floatField(1.5), '1.5');
    assert.equal(floatField(3), '3');
    assert.equal(floatField(Infinity), undefined);
  });

  test('tag sets leave out empty and absent values', () => {
    assert.equal(
      tagSet([
        ['a', 'x'],
        ['b', ''],
        ['c', undefined],
        ['d', 'y z'],
      ]),
      ',a=x,d=y\\ z',
    );
  });
});
