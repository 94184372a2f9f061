import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startInvocation } from '../../../functions/scrape/instance.js';
import { parseScrapeConfig } from '../../../shared/config/scrape-config.js';

const config = parseScrapeConfig({ SINKS: 'log', FUNCTION_TIMEOUT: '60s' });

test("an invocation's deadline counts from its arrival, not from the end of the instance's set-up", () => {
  const arrived = 1_000_000;
  const fresh = startInvocation(config, arrived, arrived);
  const late = startInvocation(config, arrived, arrived + 2_500);
  try {
    // 60 s timeout minus the 5 s kept for the answer, as documented for FUNCTION_TIMEOUT.
    assert.equal(fresh.config.runDeadlineMs, 55_000);
    assert.equal(late.config.runDeadlineMs, 52_500);
    assert.equal(late.config.functionTimeoutMs, 60_000);
    assert.equal(config.runDeadlineMs, 55_000, "the instance's own config is left as it was");
  } finally {
    fresh.done();
    late.done();
  }
});

test('a set-up that took the whole timeout leaves a deadline that has already passed, never a negative one', async () => {
  const arrived = 1_000_000;
  const invocation = startInvocation(config, arrived, arrived + 70_000);
  try {
    assert.equal(invocation.config.runDeadlineMs, 1);
    // The hard limit fires at once (1 ms), not 59 s later.
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(invocation.signal.aborted, true);
    assert.match(String((invocation.signal.reason as Error).message), /function timeout reached/);
  } finally {
    invocation.done();
  }
});
