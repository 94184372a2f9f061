/**
 * Label and field selectors with the grammar and matching rules of the real API server
 * (k8s.io/apimachinery labels.Parse and fields.ParseSelector). A selector the real server would refuse
 * throws a SelectorError, which the server answers with 400 BadRequest.
 */

export class SelectorError extends Error {}

export const LABEL_OPERATORS = ['exists', '!', '=', '!=', 'in', 'notin', 'gt', 'lt'] as const;
export type LabelOperator = (typeof LABEL_OPERATORS)[number];

export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  values: readonly string[];
}

export type Labels = Readonly<Record<string, string>> | undefined;

type Token =
  | { kind: 'ident'; text: string }
  | { kind: 'op'; text: '!' | '=' | '==' | '!=' | '(' | ')' | ',' | '>' | '<' }
  | { kind: 'end' };

const SYMBOLS = ['!=', '==', '!', '=', '(', ')', ',', '>', '<'] as const;
const SPECIAL_CHARS = new Set(['!', '=', '(', ')', ',', '>', '<']);

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const symbol = SYMBOLS.find((s) => text.startsWith(s, i));
    if (symbol !== undefined) {
      tokens.push({ kind: 'op', text: symbol });
      i += symbol.length;
      continue;
    }
    let end = i;
    while (end < text.length && !/\s/.test(text[end]!) && !SPECIAL_CHARS.has(text[end]!)) end++;
    tokens.push({ kind: 'ident', text: text.slice(i, end) });
    i = end;
  }
  tokens.push({ kind: 'end' });
  return tokens;
}

const NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function validateKey(key: string): void {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  const prefixOk = prefix === undefined || (prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix));
  if (!prefixOk || name.length > 63 || !NAME_PART.test(name)) {
    throw new SelectorError(
      `unable to parse requirement: key: Invalid value: "${key}": name part must consist of alphanumeric ` +
        `characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
    );
  }
}

function validateValue(value: string): void {
  if (value !== '' && (value.length > 63 || !NAME_PART.test(value))) {
    throw new SelectorError(
      `unable to parse requirement: values[0]: Invalid value: "${value}": a valid label must be an empty ` +
        `string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an ` +
        `alphanumeric character`,
    );
  }
}

function describe(token: Token): string {
  return token.kind === 'end' ? 'EOS' : token.text;
}

/** Parses a label selector such as `app=web,tier!=db,env in (prod,qa),!canary,release`. */
export function parseLabelSelector(text: string): LabelRequirement[] {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = (): Token => tokens[pos]!;
  const next = (): Token => tokens[pos++]!;
  const expectIdent = (what: string): string => {
    const token = next();
    if (token.kind !== 'ident') throw new SelectorError(`found '${describe(token)}', expected: ${what}`);
    return token.text;
  };
  const requirements: LabelRequirement[] = [];
  if (peek().kind === 'end') return requirements;
  for (;;) {
    const first = next();
    let requirement: LabelRequirement;
    if (first.kind === 'op' && first.text === '!') {
      requirement = { key: expectIdent('identifier after !'), operator: '!', values: [] };
    } else if (first.kind === 'ident') {
      requirement = parseRequirementAfterKey(first.text, next, peek, expectIdent);
    } else {
      throw new SelectorError(`found '${describe(first)}', expected: !, identifier, or 'end of string'`);
    }
    validateKey(requirement.key);
    for (const value of requirement.values) validateValue(value);
    requirements.push(requirement);
    const separator = next();
    if (separator.kind === 'end') return requirements;
    if (separator.kind !== 'op' || separator.text !== ',') {
      throw new SelectorError(`found '${describe(separator)}', expected: ',' or 'end of string'`);
    }
  }
}

function parseRequirementAfterKey(
  key: string,
  next: () => Token,
  peek: () => Token,
  expectIdent: (what: string) => string,
): LabelRequirement {
  const operator = peek();
  if (operator.kind === 'end' || (operator.kind === 'op' && operator.text === ',')) {
    return { key, operator: 'exists', values: [] };
  }
  next();
  const singleValue = (): string => {
    const token = peek();
    // `key=` (an empty value) is valid: it selects objects whose label is set to "".
    if (token.kind === 'end' || (token.kind === 'op' && token.text === ',')) return '';
    return expectIdent('identifier');
  };
  if (operator.kind === 'ident' && (operator.text === 'in' || operator.text === 'notin')) {
    return { key, operator: operator.text, values: parseValueSet(next, peek) };
  }
  if (operator.kind === 'op') {
    switch (operator.text) {
      case '=':
      case '==':
        return { key, operator: '=', values: [singleValue()] };
      case '!=':
        return { key, operator: '!=', values: [singleValue()] };
      case '>':
      case '<': {
        const value = expectIdent('integer');
        if (!/^-?\d+$/.test(value)) {
          throw new SelectorError(
            `unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer`,
          );
        }
        return { key, operator: operator.text === '>' ? 'gt' : 'lt', values: [value] };
      }
    }
  }
  throw new SelectorError(`found '${describe(operator)}', expected: in, notin, =, ==, !=, gt, lt`);
}

function parseValueSet(next: () => Token, peek: () => Token): string[] {
  const open = next();
  if (open.kind !== 'op' || open.text !== '(')
    throw new SelectorError(`found '${describe(open)}', expected: '('`);
  const values: string[] = [];
  for (;;) {
    const token = peek();
    if (token.kind === 'ident') {
      values.push(token.text);
      next();
    } else {
      values.push(''); // `in (a,,b)` and `in ()` hold empty values, as upstream reads them
    }
    const after = next();
    if (after.kind === 'op' && after.text === ')') return [...new Set(values)];
    if (after.kind !== 'op' || after.text !== ',') {
      throw new SelectorError(`found '${describe(after)}', expected: ',', ')' or identifier`);
    }
  }
}

export function matchesLabels(requirements: readonly LabelRequirement[], labels: Labels): boolean {
  return requirements.every((r) => matchesRequirement(r, labels));
}

function matchesRequirement(requirement: LabelRequirement, labels: Labels): boolean {
  const has = labels !== undefined && Object.hasOwn(labels, requirement.key);
  const value = has ? labels[requirement.key]! : undefined;
  switch (requirement.operator) {
    case 'exists':
      return has;
    case '!':
      return !has;
    case '=':
    case 'in':
      return value !== undefined && requirement.values.includes(value);
    case '!=':
    case 'notin':
      return value === undefined || !requirement.values.includes(value);
    case 'gt':
    case 'lt': {
      if (value === undefined || !/^-?\d+$/.test(value)) return false;
      const have = Number(value);
      const want = Number(requirement.values[0]);
      return requirement.operator === 'gt' ? have > want : have < want;
    }
  }
}

export interface FieldRequirement {
  field: string;
  operator: '=' | '!=';
  value: string;
}

/** Splits on a separator that is not escaped with a backslash. */
function splitUnescaped(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\' && i + 1 < text.length) {
      current += ch + text[i + 1];
      i++;
    } else if (ch === separator) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}

function unescapeValue(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const escaped = value[i + 1];
    if (escaped !== '\\' && escaped !== ',' && escaped !== '=') {
      throw new SelectorError(`invalid field selector: invalid escape sequence in value: '${value}'`);
    }
    out += escaped;
    i++;
  }
  return out;
}

/** Parses a field selector such as `spec.nodeName=n1,status.phase!=Succeeded` (only =, == and !=). */
export function parseFieldSelector(text: string): FieldRequirement[] {
  const requirements: FieldRequirement[] = [];
  for (const term of splitUnescaped(text, ',')) {
    if (term === '') continue;
    const found = findFieldOperator(term);
    if (found === undefined)
      throw new SelectorError(`invalid selector: '${text}'; can't understand '${term}'`);
    requirements.push({
      field: term.slice(0, found.at),
      operator: found.op === '!=' ? '!=' : '=',
      value: unescapeValue(term.slice(found.at + found.op.length)),
    });
  }
  return requirements;
}

function findFieldOperator(term: string): { at: number; op: '!=' | '==' | '=' } | undefined {
  for (let i = 0; i < term.length; i++) {
    if (term[i] === '\\') {
      i++;
      continue;
    }
    for (const op of ['!=', '==', '='] as const) {
      if (term.startsWith(op, i)) return { at: i, op };
    }
  }
  return undefined;
}

/** Reads one selectable field of an object as the string the server compares. */
export type FieldGetter<T> = (object: T) => string;

/**
 * Resolves field labels against the fields a resource supports (`labels` maps the label a client may send to
 * the getter of its value); an unsupported label is the real server's 400 "field label not supported".
 */
export function compileFieldSelector<T>(
  requirements: readonly FieldRequirement[],
  labels: Readonly<Record<string, FieldGetter<T>>>,
): (object: T) => boolean {
  const compiled = requirements.map((r) => {
    const getter = Object.hasOwn(labels, r.field) ? labels[r.field] : undefined;
    if (getter === undefined) throw new SelectorError(`field label not supported: ${r.field}`);
    return { getter, equal: r.operator === '=', value: r.value };
  });
  return (object) => compiled.every((c) => (c.getter(object) === c.value) === c.equal);
}
