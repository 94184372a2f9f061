import assert from 'node:assert/strict';
import type { ConfigProblem } from '../../../shared/config/config-error.js';
import { ConfigError, parseScrapeConfig, type Env } from '../../../shared/config/scrape-config.js';

/** The problems parseScrapeConfig rejects `env` with; fails the test when it is accepted. */
export function problemsOf(env: Env): readonly ConfigProblem[] {
  try {
    parseScrapeConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err.problems;
  }
  assert.fail('the configuration was accepted');
}
