/**
 * Update application for the MongoDB wire TEST server (test infrastructure only, see ./server.ts).
 *
 * Operator updates are delegated to mingo's updater (`$set`, `$unset`, `$inc`, `$mul`, `$min`, `$max`,
 * `$push` (with modifiers), `$pull`, `$pullAll`, `$addToSet`, `$pop`, `$rename`, `$bit`, positional
 * and filtered positional paths). Added here: `$setOnInsert`, `$currentDate` driven by the server
 * clock, replacement documents, upsert seeding from the filter, `_id` immutability.
 */
import { type Document, ObjectId, Timestamp } from 'bson';
import { Aggregator, ProcessingMode } from 'mingo';
import { update as mingoUpdate } from 'mingo/updater';
import { CommandError, cloneDoc, idFirst, isPlainObject, sameValue, setPath, shellString } from './values.js';

export type UpdateSpec = Document | Document[];

const PIPELINE_UPDATE_STAGES = new Set([
  '$addFields',
  '$set',
  '$project',
  '$unset',
  '$replaceRoot',
  '$replaceWith',
]);

export function parseUpdateSpec(u: unknown): UpdateSpec {
  if (Array.isArray(u)) {
    if (!u.every(isPlainObject))
      throw new CommandError(9, 'FailedToParse', 'pipeline stages must be objects');
    return u;
  }
  if (!isPlainObject(u)) throw new CommandError(9, 'FailedToParse', 'update must be an object or a pipeline');
  return u;
}

export function isOperatorUpdate(u: UpdateSpec): u is Document {
  return !Array.isArray(u) && Object.keys(u).some((k) => k.startsWith('$'));
}

export function isReplacement(u: UpdateSpec): u is Document {
  return !Array.isArray(u) && !isOperatorUpdate(u);
}

interface ApplyOptions {
  filter: Document;
  arrayFilters?: Document[];
  now: Date;
  /** true when building a new document for an upsert ($setOnInsert applies, positional not allowed) */
  inserting: boolean;
}

function immutableIdError(): CommandError {
  return new CommandError(
    66,
    'ImmutableField',
    "Performing an update on the path '_id' would modify the immutable field '_id'",
  );
}

function buildModifier(u: Document, opts: ApplyOptions): Document {
  const modifier: Document = {};
  const extraSet: Document = {};
  for (const [op, expr] of Object.entries(u)) {
    if (!op.startsWith('$')) {
      throw new CommandError(9, 'FailedToParse', `Unknown modifier: ${op}. Expected a valid update modifier`);
    }
    if (!isPlainObject(expr)) {
      throw new CommandError(
        9,
        'FailedToParse',
        `Modifiers operate on fields but we found type ${typeof expr}`,
      );
    }
    if (Object.keys(expr).length === 0) continue;
    if (op === '$setOnInsert') {
      if (opts.inserting) Object.assign(extraSet, expr);
      continue;
    }
    if (op === '$currentDate') {
      for (const [path, spec] of Object.entries(expr)) {
        const asTimestamp = isPlainObject(spec) && spec.$type === 'timestamp';
        extraSet[path] = asTimestamp
          ? Timestamp.fromBits(0, Math.floor(opts.now.getTime() / 1000))
          : new Date(opts.now.getTime());
      }
      continue;
    }
    modifier[op] = expr;
  }
  if (Object.keys(extraSet).length > 0) {
    const set: Document = isPlainObject(modifier.$set) ? { ...modifier.$set } : {};
    for (const [path, value] of Object.entries(extraSet)) {
      if (Object.hasOwn(set, path)) {
        throw new CommandError(
          40,
          'ConflictingUpdateOperators',
          `Updating the path '${path}' would create a conflict at '${path}'`,
        );
      }
      set[path] = value;
    }
    modifier.$set = set;
  }
  return modifier;
}

/** The value at an exact dotted path (no array expansion); `missing` when absent. */
function exactPath(doc: Document, path: string): { found: boolean; value: unknown } {
  let cur: unknown = doc;
  for (const part of path.split('.')) {
    if (Array.isArray(cur) && /^\d+$/.test(part)) {
      const idx = Number(part);
      if (idx >= cur.length) return { found: false, value: undefined };
      cur = cur[idx];
    } else if (isPlainObject(cur) && Object.hasOwn(cur, part)) {
      cur = cur[part];
    } else {
      return { found: false, value: undefined };
    }
  }
  return { found: true, value: cur };
}

/** MongoDB refuses $inc/$mul with a non-numeric argument or on a non-numeric field (TypeMismatch). */
function checkArithmetic(doc: Document, modifier: Document): void {
  for (const op of ['$inc', '$mul']) {
    const expr: unknown = modifier[op];
    if (!isPlainObject(expr)) continue;
    for (const [path, arg] of Object.entries(expr)) {
      if (typeof arg !== 'number') {
        throw new CommandError(
          14,
          'TypeMismatch',
          `Cannot ${op === '$inc' ? 'increment' : 'multiply'} with non-numeric argument: {${path}: ${String(arg)}}`,
        );
      }
      if (path.includes('$')) continue;
      const { found, value } = exactPath(doc, path);
      if (found && typeof value !== 'number') {
        const idText = Object.hasOwn(doc, '_id') ? shellString(doc._id) : '?';
        throw new CommandError(
          14,
          'TypeMismatch',
          `Cannot apply ${op} to a value of non-numeric type. {_id: ${idText}} has the field '${path}' of non-numeric type ${value === null ? 'null' : typeof value}`,
        );
      }
    }
  }
}

/** Applies an update to a copy of `doc` and returns the new document (never mutates `doc`). */
export function applyUpdate(doc: Document, u: UpdateSpec, opts: ApplyOptions): Document {
  const before = cloneDoc(doc);
  let after: Document;
  if (Array.isArray(u)) {
    for (const stage of u) {
      const op = Object.keys(stage)[0] ?? '';
      if (Object.keys(stage).length !== 1 || !PIPELINE_UPDATE_STAGES.has(op)) {
        throw new CommandError(
          72,
          'InvalidOptions',
          `${op} is not allowed to be used within an update (wire test server allows ${[...PIPELINE_UPDATE_STAGES].join(', ')})`,
        );
      }
    }
    const result = new Aggregator(u, { processingMode: ProcessingMode.CLONE_INPUT }).run<Document>([
      before,
    ])[0];
    if (!isPlainObject(result)) throw new CommandError(2, 'BadValue', 'pipeline update produced no document');
    after = result;
  } else if (isReplacement(u)) {
    after = { ...cloneDoc(u) };
    if (Object.hasOwn(doc, '_id')) {
      if (Object.hasOwn(after, '_id') && !sameValue(after._id, doc._id)) throw immutableIdError();
      after._id = doc._id;
    }
  } else {
    const modifier = buildModifier(u, opts);
    // MongoDB accepts `$set: { _id }` when the value is unchanged (connect-mongo's
    // session upsert does this); mingo refuses any write to _id.
    if (
      isPlainObject(modifier.$set) &&
      Object.hasOwn(modifier.$set, '_id') &&
      Object.hasOwn(doc, '_id') &&
      sameValue(modifier.$set._id, doc._id)
    ) {
      const { _id: _unchanged, ...rest } = modifier.$set;
      if (Object.keys(rest).length > 0) modifier.$set = rest;
      else delete modifier.$set;
    }
    after = before;
    if (Object.keys(modifier).length > 0) {
      checkArithmetic(after, modifier);
      try {
        mingoUpdate(after, modifier, opts.arrayFilters, opts.inserting ? undefined : opts.filter, {
          cloneMode: 'deep',
        });
      } catch (err) {
        if (err instanceof Error && /immutable field/.test(err.message)) throw immutableIdError();
        throw err;
      }
    }
  }
  if (Object.hasOwn(doc, '_id') && !sameValue(after._id, doc._id)) throw immutableIdError();
  return cloneDoc(idFirst(after));
}

/** Equality fields of a filter that seed an upserted document (`{a: 1}`, `{a: {$eq: 1}}`, `$and`). */
export function seedFromFilter(filter: Document): Document {
  const seed: Document = {};
  const visit = (f: Document): void => {
    for (const [key, value] of Object.entries(f)) {
      if (key === '$and' && Array.isArray(value)) {
        for (const part of value) if (isPlainObject(part)) visit(part);
        continue;
      }
      if (key.startsWith('$')) continue;
      if (value instanceof RegExp) continue;
      if (isPlainObject(value)) {
        const keys = Object.keys(value);
        const isOperatorObject = keys.length > 0 && keys.every((k) => k.startsWith('$'));
        if (isOperatorObject) {
          if (Object.hasOwn(value, '$eq')) setPath(seed, key, cloneValue(value.$eq));
          continue;
        }
      }
      setPath(seed, key, cloneValue(value));
    }
  };
  visit(filter);
  return seed;
}

function cloneValue(value: unknown): unknown {
  return cloneDoc({ v: value }).v;
}

/** Builds the document inserted by an upsert. */
export function buildUpsertDocument(filter: Document, u: UpdateSpec, now: Date): Document {
  const seed = seedFromFilter(filter);
  let doc: Document;
  if (isReplacement(u)) {
    doc = cloneDoc(u);
    if (!Object.hasOwn(doc, '_id') && Object.hasOwn(seed, '_id')) doc._id = seed._id;
  } else {
    doc = applyUpdate(seed, u, { filter, now, inserting: true });
  }
  if (!Object.hasOwn(doc, '_id')) doc._id = new ObjectId();
  return cloneDoc(idFirst(doc));
}
