/**
 * Generators of hostile request bodies for the hostile-input section: JSON
 * (written as raw text, so that `__proto__` is a real own key and keys may
 * repeat) and forms (raw text, so that encodings may be broken), with
 * operator objects, nesting, arrays, huge and control-character strings,
 * invalid UTF-8, wrong content types, content encodings, chunking and wrong
 * Content-Length headers.
 */
import zlib from 'node:zlib';
import fc from 'fast-check';

/** How a case is put on the wire. */
export type Framing =
  | { kind: 'normal' }
  | { kind: 'content-type'; contentType: string | null }
  | { kind: 'encoding'; encoding: string; compress: 'gzip' | 'deflate' | 'br' | 'garbage' | 'none' }
  | { kind: 'chunked' }
  | {
      kind: 'content-length';
      variant: 'smaller' | 'larger' | 'not-a-number' | 'negative' | 'twice' | 'with-chunked';
    };

export type Csrf = 'header' | 'none' | 'hostile-field';

export interface HostileCase {
  encoding: 'json' | 'form';
  body: Buffer;
  framing: Framing;
  csrf: Csrf;
  /** A short description for failure messages. */
  label: string;
}

const OPERATORS: unknown[] = [
  { $ne: null },
  { $gt: '' },
  { $where: 'sleep(1000) || true' },
  { $regex: '.*' },
  { $exists: true },
  { $in: ['admin@example.com'] },
  { $nin: [] },
  { $expr: { $eq: [1, 1] } },
  { $function: { body: 'return true', args: [], lang: 'js' } },
  { $elemMatch: { $ne: null } },
  { $or: [{ a: 1 }, { b: 2 }] },
  { $set: { roles: ['admin'] } },
];

const PECULIAR_STRINGS = [
  '',
  ' ',
  'alice@example.com\r\nBcc: evil@example.com',
  'a@example.com,b@example.com',
  'Alice <alice@example.com>',
  '<script>alert(1)</script>',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, meant literally
  '${7*7}{{7*7}}',
  '../../etc/passwd',
  'null',
  'undefined',
  '__proto__',
  'constructor',
  '\u0000',
  '\u2028\u2029',
  '\uFEFF',
  '\uD800',
  '\uDFFF\uD800',
  'ﬀ𝒜ℌ',
  'e\u0301',
  '0'.repeat(6),
  '12 34-56',
  '１２３４５６',
  'all',
  'none',
  'selected',
  '$ne',
  'a'.repeat(64),
  'a'.repeat(65),
  'a'.repeat(129),
  'a'.repeat(1025),
];

const controlChar = fc
  .integer({ min: 0, max: 0x9f })
  .filter((code) => code < 0x20 || code >= 0x7f)
  .map((code) => String.fromCharCode(code));

/** Any hostile string. */
export const text = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: controlChar, maxLength: 20 }) },
  { weight: 2, arbitrary: fc.emailAddress() },
  { weight: 2, arbitrary: fc.stringMatching(/^\d{6}$/) },
  { weight: 3, arbitrary: fc.constantFrom(...PECULIAR_STRINGS) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom('a', 'é', '\u0000', '𝒜', '%', '"'), fc.integer({ min: 1000, max: 9000 }))
      .map(([char, count]) => char.repeat(count)),
  },
);

/** A JSON text for a value: strings, operators, arrays, numbers, nesting. */
const jsonValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: text.map((value) => JSON.stringify(value)) },
  { weight: 3, arbitrary: fc.constantFrom(...OPERATORS).map((value) => JSON.stringify(value)) },
  { weight: 2, arbitrary: fc.array(text, { maxLength: 4 }).map((value) => JSON.stringify(value)) },
  {
    weight: 2,
    arbitrary: fc
      .oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null))
      .map((value) => JSON.stringify(value)),
  },
  { weight: 1, arbitrary: fc.constantFrom('1e400', '-0', '0.0000001', '9007199254740993', '-1e-400') },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value) ?? 'null') },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 10, max: 3000 }), fc.constantFrom('[', '{"a":'))
      .map(([depth, open]) =>
        open === '['
          ? `${'['.repeat(depth)}${']'.repeat(depth)}`
          : `${open.repeat(depth)}1${'}'.repeat(depth)}`,
      ),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '{"__proto__":{"polluted":"yes","isAdmin":true}}',
      '{"constructor":{"prototype":{"polluted":"yes"}}}',
      '{"prototype":{"polluted":"yes"}}',
    ),
  },
);

const SPECIAL_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  '_csrf',
  '$where',
  'email.$ne',
  'toString',
  'hasOwnProperty',
];

/** Valid-looking values for some fields, so that hostile bodies also reach deeper code. */
const HINTS: Record<string, string[]> = {
  enabled: ['all', 'none', 'selected', 'ALL', 'some'],
  groups: ['pilot', 'pilot, staff', 'a'.repeat(65), ''],
  code: ['123456', '12 34 56', '000000'],
  flowId: ['@@FLOW@@'],
};
const GROUP_LISTS = [
  '["pilot"]',
  '["pilot","staff"]',
  '[]',
  'null',
  '["a b.c:d@e-f_g"]',
  '["x","x"]',
  '[""]',
];

function hinted(field: string, encoding: 'json' | 'form'): fc.Arbitrary<string> | null {
  if (!Object.hasOwn(HINTS, field)) return null;
  const values = HINTS[field] as string[];
  if (encoding === 'form') return fc.constantFrom(...values);
  if (field === 'groups') return fc.constantFrom(...GROUP_LISTS);
  return fc.constantFrom(...values).map((value) => JSON.stringify(value));
}

function jsonObject(fields: string[]): fc.Arbitrary<string> {
  const key = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...(fields.length > 0 ? fields : ['email'])) },
    { weight: 2, arbitrary: fc.constantFrom(...SPECIAL_KEYS) },
    { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  );
  // Nested deep objects cost nesting in the value; many keys cost width.
  const entry = key.chain((name) => {
    const hint = hinted(name, 'json');
    const value = hint
      ? fc.oneof({ weight: 1, arbitrary: hint }, { weight: 1, arbitrary: jsonValue })
      : jsonValue;
    return value.map((text) => [name, text] as const);
  });
  return fc
    .array(entry, { maxLength: 8 })
    .map((entries) => `{${entries.map(([name, value]) => `${JSON.stringify(name)}:${value}`).join(',')}}`);
}

/** Wide objects: within and beyond the body limit. */
const wideObject = fc
  .tuple(fc.integer({ min: 50, max: 900 }), fc.constantFrom('k', '__proto__', 'email'))
  .map(
    ([count, prefix]) => `{${Array.from({ length: count }, (_, i) => `"${prefix}${i}":"${i}"`).join(',')}}`,
  );

const malformedJson = fc.constantFrom(
  '{',
  '{"email":',
  "{'email':'a@example.com'}",
  '{"email":"a@example.com",}',
  'NaN',
  '{"email":"a@example.com"}garbage',
  '\uFEFF{"email":"a@example.com"}',
  '[]',
  '[{"email":"a@example.com"}]',
  '""',
  '"a@example.com"',
  '123',
  'null',
  'true',
  '{"email":"\\ud800"}',
  '{"email":"\\u0000"}',
  '{"a":1,"a":2,"a":{"$ne":null}}',
  '',
  ' ',
  '\u0000',
);

/** Bytes that are not valid UTF-8. */
const INVALID_UTF8 = [
  [0xff],
  [0xfe, 0xff],
  [0xc0, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0xe2, 0x82],
  [0x80],
];

function withInvalidUtf8(body: string): fc.Arbitrary<Buffer> {
  return fc
    .tuple(fc.nat({ max: Math.max(0, body.length) }), fc.constantFrom(...INVALID_UTF8))
    .map(([at, bytes]) => {
      const buffer = Buffer.from(body, 'utf8');
      const cut = Math.min(at, buffer.length);
      return Buffer.concat([buffer.subarray(0, cut), Buffer.from(bytes), buffer.subarray(cut)]);
    });
}

function jsonBody(fields: string[]): fc.Arbitrary<Buffer> {
  const textBody = fc.oneof(
    { weight: 10, arbitrary: jsonObject(fields) },
    { weight: 2, arbitrary: wideObject },
    { weight: 2, arbitrary: malformedJson },
    { weight: 1, arbitrary: jsonValue },
  );
  return fc.oneof(
    { weight: 8, arbitrary: textBody.map((body) => Buffer.from(body, 'utf8')) },
    { weight: 2, arbitrary: textBody.chain(withInvalidUtf8) },
  );
}

/** encodeURIComponent that takes any string (lone surrogates become U+FFFD). */
function percentEncode(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const char = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.!~*'()]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const FORM_KEYS = [
  '__proto__',
  '__proto__[polluted]',
  'constructor[prototype][polluted]',
  '_csrf',
  'email[$ne]',
  'email[]',
  'email[0]',
  'a.b',
  'password[$gt]',
  'groups[]',
];

function formBody(fields: string[]): fc.Arbitrary<Buffer> {
  const key = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...(fields.length > 0 ? fields : ['email'])) },
    { weight: 3, arbitrary: fc.constantFrom(...FORM_KEYS) },
    { weight: 1, arbitrary: fc.string({ maxLength: 10 }) },
  );
  const style = fc.constantFrom('encoded', 'encoded', 'encoded', 'raw', 'bad-percent', 'plus');
  const value = (name: string) => {
    const hint = hinted(name, 'form');
    return hint ? fc.oneof(hint, text) : text;
  };
  const pair = fc
    .tuple(
      key.chain((name) => fc.tuple(fc.constant(name), value(name))),
      style,
    )
    .map(([[name, value], how]) => {
      switch (how) {
        case 'raw':
          return `${name}=${value}`;
        case 'bad-percent':
          return `${percentEncode(name)}=${percentEncode(value)}%zz%e2%82%`;
        case 'plus':
          return `${percentEncode(name)}=${percentEncode(value).replace(/%20/g, '+')}`;
        default:
          return `${percentEncode(name)}=${percentEncode(value)}`;
      }
    });
  const manyPairs = fc
    .tuple(fc.integer({ min: 15, max: 400 }), fc.constantFrom('k', 'email', '__proto__'))
    .map(([count, name]) => Array.from({ length: count }, (_, i) => `${name}=${i}`).join('&'));
  const textBody = fc.oneof(
    { weight: 10, arbitrary: fc.array(pair, { maxLength: 8 }).map((pairs) => pairs.join('&')) },
    { weight: 2, arbitrary: manyPairs },
    {
      weight: 1,
      arbitrary: fc.constantFrom('', '&', '=', '&&==&&', 'email', '%', '=a@example.com', 'email=a&email=b'),
    },
  );
  return fc.oneof(
    { weight: 8, arbitrary: textBody.map((body) => Buffer.from(body, 'latin1')) },
    { weight: 2, arbitrary: textBody.chain(withInvalidUtf8) },
  );
}

const WRONG_CONTENT_TYPES = [
  null,
  'text/plain',
  'application/xml',
  'multipart/form-data; boundary=xyz',
  'application/json; charset=bogus',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'application/x-www-form-urlencoded; charset=koi8-r',
  'application/x-www-form-urlencoded; charset=iso-8859-1',
  'application/merge-patch+json',
  'application/json, text/plain',
  'APPLICATION/JSON',
  'application/json;charset=UTF-8',
  'application/jsonx',
  'text/html',
  '*/*',
];

const framing: fc.Arbitrary<Framing> = fc.oneof(
  { weight: 14, arbitrary: fc.constant({ kind: 'normal' } as const) },
  {
    weight: 3,
    arbitrary: fc
      .constantFrom(...WRONG_CONTENT_TYPES)
      .map((contentType) => ({ kind: 'content-type', contentType }) as const),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.constantFrom('gzip', 'deflate', 'br', 'x-unknown', 'gzip, gzip', 'identity'),
        fc.constantFrom('gzip', 'deflate', 'br', 'garbage', 'none'),
      )
      .map(([encoding, compress]) => ({ kind: 'encoding', encoding, compress }) as Framing),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'chunked' } as const) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('smaller', 'larger', 'not-a-number', 'negative', 'twice', 'with-chunked')
      .map((variant) => ({ kind: 'content-length', variant }) as Framing),
  },
);

const csrf = fc.oneof(
  { weight: 18, arbitrary: fc.constant<Csrf>('header') },
  { weight: 1, arbitrary: fc.constant<Csrf>('none') },
  { weight: 1, arbitrary: fc.constant<Csrf>('hostile-field') },
);

/** One hostile request for a route whose handler reads `fields`. */
export function hostileCase(encoding: 'json' | 'form', fields: string[]): fc.Arbitrary<HostileCase> {
  return fc
    .record({ body: encoding === 'json' ? jsonBody(fields) : formBody(fields), framing, csrf })
    .map(({ body, framing: how, csrf: token }) => ({
      encoding,
      body:
        token === 'hostile-field'
          ? Buffer.concat([
              body,
              Buffer.from(encoding === 'json' ? '' : '&_csrf[$ne]=x&_csrf=a&_csrf=b', 'latin1'),
            ])
          : body,
      framing: how,
      csrf: token,
      label: `${encoding} ${JSON.stringify(how)} csrf=${token} body=${JSON.stringify(body.toString('latin1').slice(0, 160))}${body.length > 160 ? `… (${body.length} bytes)` : ''}`,
    }))
    .map((c) => Object.assign(c, { [fc.toStringMethod]: () => c.label }));
}

/** The body as the framing sends it (compressed, or garbage behind a compression header). */
export function encodedBody(body: Buffer, how: Framing): Buffer {
  if (how.kind !== 'encoding') return body;
  switch (how.compress) {
    case 'gzip':
      return zlib.gzipSync(body);
    case 'deflate':
      return zlib.deflateSync(body);
    case 'br':
      return zlib.brotliCompressSync(body);
    case 'garbage':
      return Buffer.from('this is not compressed data at all');
    default:
      return body;
  }
}
