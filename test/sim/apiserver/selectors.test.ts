import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  compileFieldSelector,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  SelectorError,
} from './selectors.js';

describe('label selectors', () => {
  test('parse every operator', () => {
    assert.deepEqual(
      parseLabelSelector('app=web, tier==db,env!=prod,zone in (a, b),x notin (c),has,!gone,n>3,m<10'),
      [
        { key: 'app', operator: '=', values: ['web'] },
        { key: 'tier', operator: '=', values: ['db'] },
        { key: 'env', operator: '!=', values: ['prod'] },
        { key: 'zone', operator: 'in', values: ['a', 'b'] },
        { key: 'x', operator: 'notin', values: ['c'] },
        { key: 'has', operator: 'exists', values: [] },
        { key: 'gone', operator: '!', values: [] },
        { key: 'n', operator: 'gt', values: ['3'] },
        { key: 'm', operator: 'lt', values: ['10'] },
      ],
    );
    assert.deepEqual(parseLabelSelector(''), []);
    assert.deepEqual(parseLabelSelector('app.kubernetes.io/name=web'), [
      { key: 'app.kubernetes.io/name', operator: '=', values: ['web'] },
    ]);
  });

  test('match like the real server: != and notin also select objects without the label', () => {
    const labels = { app: 'web', tier: 'front', n: '5' };
    const cases: [string, boolean][] = [
      ['app=web', true],
      ['app=db', false],
      ['env!=prod', true],
      ['app!=web', false],
      ['tier in (front,back)', true],
      ['tier in (back)', false],
      ['env notin (prod)', true],
      ['tier notin (front)', false],
      ['app', true],
      ['env', false],
      ['!env', true],
      ['!app', false],
      ['n>4', true],
      ['n>5', false],
      ['n<6', true],
      ['app=web,tier=back', false],
    ];
    for (const [selector, expected] of cases) {
      assert.equal(matchesLabels(parseLabelSelector(selector), labels), expected, selector);
    }
    assert.equal(matchesLabels(parseLabelSelector('app!=web'), undefined), true);
    assert.equal(matchesLabels(parseLabelSelector('app'), undefined), false);
  });

  test('reject malformed selectors', () => {
    for (const bad of ['tier in a', '=web', 'a b', 'app in (x', 'n>x', 'bad key=1', 'app=-x-', 'a,']) {
      assert.throws(() => parseLabelSelector(bad), SelectorError, bad);
    }
    // An empty value is valid: it selects objects whose label is set to "".
    assert.deepEqual(parseLabelSelector('app='), [{ key: 'app', operator: '=', values: [''] }]);
  });
});

describe('field selectors', () => {
  const getters = {
    'metadata.name': (o: { name: string; node: string }) => o.name,
    'spec.nodeName': (o: { name: string; node: string }) => o.node,
  };

  test('parse =, == and != with escapes', () => {
    assert.deepEqual(parseFieldSelector('spec.nodeName=n1,metadata.name==a\\,b,metadata.name!=c\\=d'), [
      { field: 'spec.nodeName', operator: '=', value: 'n1' },
      { field: 'metadata.name', operator: '=', value: 'a,b' },
      { field: 'metadata.name', operator: '!=', value: 'c=d' },
    ]);
    assert.deepEqual(parseFieldSelector(''), []);
    assert.throws(() => parseFieldSelector('spec.nodeName'), {
      message: "invalid selector: 'spec.nodeName'; can't understand 'spec.nodeName'",
    });
  });

  test('match against the supported labels, refuse the others', () => {
    const onN1 = compileFieldSelector(parseFieldSelector('spec.nodeName=n1'), getters);
    assert.equal(onN1({ name: 'a', node: 'n1' }), true);
    assert.equal(onN1({ name: 'a', node: 'n2' }), false);
    const notA = compileFieldSelector(parseFieldSelector('metadata.name!=a,spec.nodeName=n1'), getters);
    assert.equal(notA({ name: 'a', node: 'n1' }), false);
    assert.equal(notA({ name: 'b', node: 'n1' }), true);
    assert.throws(() => compileFieldSelector(parseFieldSelector('status.phase=Running'), getters), {
      message: 'field label not supported: status.phase',
    });
  });
});
