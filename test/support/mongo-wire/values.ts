/**
 * Value helpers for the MongoDB wire TEST server (test infrastructure only, see ./server.ts).
 */
import { type Document, deserialize, EJSON, ObjectId, serialize } from 'bson';

/** A MongoDB-style error raised inside a command; becomes `{ ok: 0, errmsg, code, codeName }`. */
export class CommandError extends Error {
  constructor(
    readonly code: number,
    readonly codeName: string,
    message: string,
    readonly extra: Document = {},
  ) {
    super(message);
  }
}

export function isPlainObject(value: unknown): value is Document {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Deep copy through a BSON round trip (also normalises values the way the wire would). */
export function cloneDoc(doc: Document): Document {
  return deserialize(serialize(doc));
}

/** Canonical string of any BSON value, used for BSON-ish equality (index keys, distinct, nModified). */
export function canonical(value: unknown): string {
  if (value === undefined) return 'undefined';
  return EJSON.stringify({ v: value }, { relaxed: false });
}

export function sameValue(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

/**
 * Every value reachable at a dotted path, descending into arrays the way MongoDB indexes and
 * `distinct` do. Arrays found at the end of the path are expanded into their elements.
 * Returns an empty list when the path is missing.
 */
export function valuesAtPath(value: unknown, path: string): unknown[] {
  const out: unknown[] = [];
  collect(value, path.split('.'), 0, out);
  return out;
}

function collect(value: unknown, parts: string[], i: number, out: unknown[]): void {
  if (i === parts.length) {
    if (Array.isArray(value)) {
      if (value.length === 0) out.push(undefined);
      else out.push(...value);
    } else {
      out.push(value);
    }
    return;
  }
  const part = parts[i]!;
  if (Array.isArray(value)) {
    if (/^\d+$/.test(part)) {
      const idx = Number(part);
      if (idx < value.length) collect(value[idx], parts, i + 1, out);
      return;
    }
    for (const el of value) if (isPlainObject(el)) collect(el, parts, i, out);
    return;
  }
  if (isPlainObject(value) && Object.hasOwn(value, part)) collect(value[part], parts, i + 1, out);
}

/** Sets a dotted path on a plain document, creating intermediate objects. */
export function setPath(doc: Document, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur: Document = doc;
  for (let i = 0; i < parts.length - 1; i++) {
    const part = parts[i]!;
    const next: unknown = cur[part];
    if (isPlainObject(next)) {
      cur = next;
    } else {
      const created: Document = {};
      cur[part] = created;
      cur = created;
    }
  }
  cur[parts[parts.length - 1]!] = value;
}

/** Returns a copy of doc with `_id` as the first field (MongoDB always stores it first). */
export function idFirst(doc: Document): Document {
  if (!Object.hasOwn(doc, '_id')) return { _id: new ObjectId(), ...doc };
  const { _id, ...rest } = doc;
  return { _id, ...rest };
}

/** Shell-like rendering of a value for error messages: `{ username: "alice" }`. */
export function shellString(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (value instanceof ObjectId) return `ObjectId('${value.toHexString()}')`;
  if (value instanceof Date) return `new Date(${value.getTime()})`;
  if (Array.isArray(value)) return `[ ${value.map(shellString).join(', ')} ]`;
  if (isPlainObject(value)) {
    const entries = Object.entries(value).map(([k, v]) => `${k}: ${shellString(v)}`);
    return entries.length === 0 ? '{}' : `{ ${entries.join(', ')} }`;
  }
  return canonical(value);
}

/** Normalises a cursor id (number, bigint or Long from the driver) to a map key. */
export function cursorKey(id: unknown): string {
  if (typeof id === 'number' || typeof id === 'bigint') return String(id);
  if (id !== null && typeof id === 'object' && 'toString' in id && typeof id.toString === 'function') {
    return String(id.toString());
  }
  return String(id);
}

/**
 * Collation is not emulated. Rather than silently comparing strings binary-wise (which could let a
 * test pass that fails on a real server), any collation other than `{ locale: 'simple' }` is refused.
 */
export function assertNoCollation(value: unknown, where: string): void {
  if (value === undefined || value === null) return;
  if (isPlainObject(value) && value.locale === 'simple') return;
  throw new CommandError(2, 'BadValue', `collation (in ${where}) is not supported by the wire test server`);
}
