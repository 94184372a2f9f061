import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { flagsToEnv, problemForFlags } from '../../../functions/cli/config-flags.js';

describe('flagsToEnv: flags set the variables the function reads', () => {
  test('repeatable flags join with spaces; single flags set their variable', () => {
    const { env } = flagsToEnv(
      {
        source: ['kubernetes:https://a', 'kubernetes:https://b'],
        sink: ['log'],
        interval: '15s',
        state: 'firestore',
      },
      {},
    );
    assert.equal(env['SOURCES'], 'kubernetes:https://a kubernetes:https://b');
    assert.equal(env['SINKS'], 'log');
    assert.equal(env['INTERVAL'], '15s');
    assert.equal(env['STATE_STORE'], 'firestore');
  });
  test('a flag wins over the environment; the environment fills what flags leave out', () => {
    const { env, fromEnvironment } = flagsToEnv(
      { sink: ['log?points=true'] },
      { SINKS: 'log', CLUSTER_NAME: 'prod', HOME: '/home/me' },
    );
    assert.equal(env['SINKS'], 'log?points=true');
    assert.equal(env['CLUSTER_NAME'], 'prod');
    assert.equal(env['HOME'], '/home/me');
    assert.deepEqual([...fromEnvironment], ['CLUSTER_NAME']);
  });
  test('at a terminal the counters stay in memory unless asked otherwise', () => {
    assert.equal(flagsToEnv({}, {}).env['STATE_STORE'], 'memory');
    assert.equal(flagsToEnv({}, { STATE_STORE: 'firestore' }).env['STATE_STORE'], 'firestore');
  });
});

describe('problemForFlags: errors name the flag the user typed', () => {
  test('variables given by flag become flags, in the name, the text and an assignment example', () => {
    assert.deepEqual(
      problemForFlags(
        {
          variable: 'SOURCES',
          problem: 'the per-node timeout 70s must be shorter than FUNCTION_TIMEOUT minus 5s (55s)',
          example: 'kubernetes.summary_api:?timeout=10s',
        },
        new Set(),
      ),
      {
        variable: '--source',
        problem: 'the per-node timeout 70s must be shorter than --function-timeout minus 5s (55s)',
        example: 'kubernetes.summary_api:?timeout=10s',
      },
    );
    assert.deepEqual(
      problemForFlags({ variable: 'INTERVAL', problem: '"x" is bad', example: 'INTERVAL=60s' }, new Set()),
      { variable: '--interval', problem: '"x" is bad', example: '--interval=60s' },
    );
    assert.deepEqual(
      problemForFlags(
        {
          variable: 'SINKS (log option points)',
          problem: '"yes" must be true or false',
          example: 'log?points=false',
        },
        new Set(),
      ),
      {
        variable: '--sink (log option points)',
        problem: '"yes" must be true or false',
        example: 'log?points=false',
      },
    );
  });
  test('variables that came from the environment keep their name', () => {
    const problem = { variable: 'INTERVAL', problem: '1s is out of range', example: 'INTERVAL=60s' };
    assert.deepEqual(problemForFlags(problem, new Set(['INTERVAL'])), problem);
  });
  test('a variable name inside a longer word is left alone', () => {
    const problem = { variable: 'X', problem: 'MY_INTERVAL_X is not INTERVALS', example: 'X=1' };
    assert.deepEqual(problemForFlags(problem, new Set()), problem);
  });
});
