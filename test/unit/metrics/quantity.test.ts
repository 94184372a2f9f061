import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { quantityMilliValue, quantityValue } from '../../../shared/metrics/quantity.js';

describe('Kubernetes quantities', () => {
  // [quantity, value rounded up, thousandths rounded up], worked out by hand from the suffix tables.
  const cases: [string | number, number, number][] = [
    ['100m', 1, 100],
    ['2', 2, 2000],
    ['1.5', 2, 1500],
    ['1.1', 2, 1100],
    ['0.1', 1, 100],
    ['.5', 1, 500],
    ['5.', 5, 5000],
    ['250u', 1, 1],
    ['10n', 1, 1],
    ['10M', 10_000_000, 10_000_000_000],
    ['128Mi', 128 * 1024 * 1024, 128 * 1024 * 1024 * 1000],
    ['1.5Ki', 1536, 1_536_000],
    ['1G', 1_000_000_000, 1e12],
    ['1Gi', 2 ** 30, 2 ** 30 * 1000],
    ['1e3', 1000, 1_000_000],
    ['1E3', 1000, 1_000_000],
    ['12e-1', 2, 1200],
    ['1E', 1e18, 1e21],
    ['+2', 2, 2000],
    ['0', 0, 0],
    [4, 4, 4000],
    [0.25, 1, 250],
  ];
  for (const [q, value, milli] of cases) {
    test(`${JSON.stringify(q)} = ${value}, ${milli} thousandths`, () => {
      assert.equal(quantityValue(q), value);
      assert.equal(quantityMilliValue(q), milli);
    });
  }

  for (const bad of ['', 'm', '1e', '1.2.3', '1 Gi', '1gi', 'Gi', '0x10', '1KiB', '.']) {
    test(`rejects ${JSON.stringify(bad)}`, () => {
      assert.equal(quantityValue(bad), undefined);
      assert.equal(quantityMilliValue(bad), undefined);
    });
  }
});
