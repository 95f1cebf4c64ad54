/**
 * Index emulation for the MongoDB wire TEST server (test infrastructure only, see ./server.ts).
 * Indexes are only used for unique-key enforcement and TTL expiry; queries always scan.
 */
import type { Document } from 'bson';
import { Query } from 'mingo';
import {
  assertNoCollation,
  CommandError,
  canonical,
  isPlainObject,
  shellString,
  valuesAtPath,
} from './values.js';

export interface IndexSpec {
  name: string;
  key: Document;
  unique: boolean;
  sparse: boolean;
  partialFilterExpression?: Document;
  expireAfterSeconds?: number;
  /** compiled partialFilterExpression */
  partial?: Query;
}

export const ID_INDEX_NAME = '_id_';

export function idIndex(): IndexSpec {
  return { name: ID_INDEX_NAME, key: { _id: 1 }, unique: true, sparse: false };
}

/** Builds an IndexSpec from a createIndexes `indexes` entry. */
export function parseIndexSpec(raw: unknown): IndexSpec {
  if (!isPlainObject(raw))
    throw new CommandError(9, 'FailedToParse', 'index specification must be an object');
  const key: unknown = raw.key;
  if (!isPlainObject(key) || Object.keys(key).length === 0) {
    throw new CommandError(67, 'CannotCreateIndex', 'index key pattern must be a non-empty object');
  }
  const name =
    typeof raw.name === 'string' && raw.name.length > 0
      ? raw.name
      : Object.entries(key)
          .map(([k, v]) => `${k}_${String(v)}`)
          .join('_');
  assertNoCollation(raw.collation, `index ${name}`);
  const spec: IndexSpec = { name, key, unique: raw.unique === true, sparse: raw.sparse === true };
  if (name === ID_INDEX_NAME) spec.unique = true;
  if (raw.partialFilterExpression !== undefined) {
    if (!isPlainObject(raw.partialFilterExpression)) {
      throw new CommandError(2, 'BadValue', 'partialFilterExpression must be an object');
    }
    spec.partialFilterExpression = raw.partialFilterExpression;
    spec.partial = new Query(raw.partialFilterExpression);
  }
  if (raw.expireAfterSeconds !== undefined) {
    if (typeof raw.expireAfterSeconds !== 'number' || Number.isNaN(raw.expireAfterSeconds)) {
      throw new CommandError(2, 'BadValue', 'TTL index expireAfterSeconds must be a number');
    }
    spec.expireAfterSeconds = raw.expireAfterSeconds;
  }
  return spec;
}

/** The document listIndexes returns for a spec. */
export function describeIndex(spec: IndexSpec): Document {
  const out: Document = { v: 2, key: spec.key, name: spec.name };
  if (spec.name === ID_INDEX_NAME) return out;
  if (spec.unique) out.unique = true;
  if (spec.sparse) out.sparse = true;
  if (spec.partialFilterExpression) out.partialFilterExpression = spec.partialFilterExpression;
  if (spec.expireAfterSeconds !== undefined) out.expireAfterSeconds = spec.expireAfterSeconds;
  return out;
}

/**
 * Identity of an index apart from its name: key pattern, partial filter and uniqueness (a
 * difference here under the same name is IndexKeySpecsConflict, code 86, on MongoDB 7).
 */
export function indexIdentity(spec: IndexSpec): string {
  return canonical([spec.key, spec.partialFilterExpression ?? null, spec.unique]);
}

/** Options whose difference under the same name is IndexOptionsConflict (code 85). */
export function indexOptionsSignature(spec: IndexSpec): string {
  return canonical([spec.sparse, spec.expireAfterSeconds ?? null]);
}

interface IndexKeys {
  keys: Set<string>;
  /** `{ field: value }` of the first key, for error reporting */
  keyValue: Document;
}

/**
 * Key cache: stored documents are never mutated (updates swap in new objects), so the keys of a
 * document object under an index never change.
 */
const keyCache = new WeakMap<IndexSpec, WeakMap<Document, IndexKeys | null>>();

/** The keys a document contributes to an index, or null when the document is not in the index. */
export function indexKeys(spec: IndexSpec, doc: Document): IndexKeys | null {
  let perSpec = keyCache.get(spec);
  if (!perSpec) {
    perSpec = new WeakMap();
    keyCache.set(spec, perSpec);
  }
  if (perSpec.has(doc)) return perSpec.get(doc) ?? null;
  const keys = computeIndexKeys(spec, doc);
  perSpec.set(doc, keys);
  return keys;
}

function computeIndexKeys(spec: IndexSpec, doc: Document): IndexKeys | null {
  if (spec.partial && !spec.partial.test(doc)) return null;
  const fields = Object.keys(spec.key);
  const perField = fields.map((f) => valuesAtPath(doc, f));
  if (spec.sparse && perField.every((vals) => vals.length === 0)) return null;
  const normalized = perField.map((vals) => (vals.length === 0 ? [null] : vals.map((v) => v ?? null)));
  const keyValue: Document = {};
  fields.forEach((f, i) => {
    keyValue[f] = normalized[i]![0];
  });
  let tuples: string[][] = [[]];
  for (const vals of normalized) {
    const strs = [...new Set(vals.map(canonical))];
    const next: string[][] = [];
    for (const t of tuples) for (const s of strs) next.push([...t, s]);
    tuples = next;
  }
  return { keys: new Set(tuples.map((t) => t.join('\u0000'))), keyValue };
}

export function duplicateKeyError(ns: string, spec: IndexSpec, keyValue: Document): CommandError {
  const errmsg = `E11000 duplicate key error collection: ${ns} index: ${spec.name} dup key: ${shellString(keyValue)}`;
  return new CommandError(11000, 'DuplicateKey', errmsg, { keyPattern: spec.key, keyValue });
}

/** Whether the document is expired under a TTL index at time `now`. */
export function isExpired(spec: IndexSpec, doc: Document, now: Date): boolean {
  if (spec.expireAfterSeconds === undefined) return false;
  const fields = Object.keys(spec.key);
  if (fields.length !== 1) return false;
  if (spec.partial && !spec.partial.test(doc)) return false;
  const dates = valuesAtPath(doc, fields[0]!).filter((v): v is Date => v instanceof Date);
  if (dates.length === 0) return false;
  const earliest = Math.min(...dates.map((d) => d.getTime()));
  return earliest + spec.expireAfterSeconds * 1000 <= now.getTime();
}
