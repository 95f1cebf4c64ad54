/**
 * In-memory command engine for the MongoDB wire TEST server (test infrastructure only, see ./server.ts).
 *
 * Every command runs synchronously from start to reply construction, so each command is atomic
 * with respect to concurrent connections. Stored documents are never mutated in place: an update
 * builds a new document and swaps it in, so cursors can keep references to old snapshots.
 */
import { type Document, Long } from 'bson';
import { Aggregator, ProcessingMode, Query } from 'mingo';
import { Collection } from './collection.js';
import {
  describeIndex,
  ID_INDEX_NAME,
  type IndexSpec,
  indexIdentity,
  indexOptionsSignature,
  parseIndexSpec,
} from './indexes.js';
import { applyUpdate, buildUpsertDocument, parseUpdateSpec, type UpdateSpec } from './update.js';
import {
  assertNoCollation,
  CommandError,
  canonical,
  cloneDoc,
  cursorKey,
  idFirst,
  isPlainObject,
  valuesAtPath,
} from './values.js';

export const MAX_BSON_OBJECT_SIZE = 16 * 1024 * 1024;
export const MAX_MESSAGE_SIZE_BYTES = 48_000_000;
export const MAX_WRITE_BATCH_SIZE = 100_000;
const DEFAULT_BATCH_SIZE = 101;

interface OpenCursor {
  ns: string;
  docs: Document[];
  pos: number;
}

export interface ConnectionInfo {
  connectionId: number;
}

type Handler = (db: string, cmd: Document, conn: ConnectionInfo) => Document;

function asString(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new CommandError(73, 'InvalidNamespace', `${what} must be a non-empty string`);
  }
  return value;
}

function asDocument(value: unknown, what: string): Document {
  if (value === undefined || value === null) return {};
  if (!isPlainObject(value)) throw new CommandError(14, 'TypeMismatch', `${what} must be an object`);
  return value;
}

function asCount(value: unknown): number {
  if (value === undefined || value === null) return 0;
  const n = Number(typeof value === 'object' && value !== null ? String(value) : value);
  return Number.isFinite(n) ? Math.trunc(n) : 0;
}

function sortSpec(value: unknown): Record<string, 1 | -1> | undefined {
  if (!isPlainObject(value)) return undefined;
  const out: Record<string, 1 | -1> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === '$natural') continue;
    out[k] = Number(v) < 0 ? -1 : 1;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function writeErrorFrom(index: number, err: unknown): Document {
  if (err instanceof CommandError) return { index, code: err.code, errmsg: err.message, ...err.extra };
  return { index, code: 2, errmsg: err instanceof Error ? err.message : String(err) };
}

export class Engine {
  private readonly dbs = new Map<string, Map<string, Collection>>();
  private readonly cursors = new Map<string, OpenCursor>();
  private nextCursorId = 1;
  private readonly handlers: Record<string, Handler>;

  constructor(private clock: () => Date) {
    const hello: Handler = (_db, cmd, conn) => this.hello(cmd, conn);
    this.handlers = {
      hello,
      isMaster: hello,
      ismaster: hello,
      ping: () => ({ ok: 1 }),
      buildInfo: () => this.buildInfo(),
      buildinfo: () => this.buildInfo(),
      getParameter: (_db, cmd) => this.getParameter(cmd),
      connectionStatus: () => ({ authInfo: { authenticatedUsers: [], authenticatedUserRoles: [] }, ok: 1 }),
      endSessions: () => ({ ok: 1 }),
      killSessions: () => ({ ok: 1 }),
      killAllSessions: () => ({ ok: 1 }),
      insert: (db, cmd) => this.insert(db, cmd),
      find: (db, cmd) => this.find(db, cmd),
      getMore: (db, cmd) => this.getMore(db, cmd),
      killCursors: (db, cmd) => this.killCursors(db, cmd),
      update: (db, cmd) => this.update(db, cmd),
      delete: (db, cmd) => this.delete(db, cmd),
      findAndModify: (db, cmd) => this.findAndModify(db, cmd),
      findandmodify: (db, cmd) => this.findAndModify(db, cmd),
      aggregate: (db, cmd) => this.aggregate(db, cmd),
      count: (db, cmd) => this.count(db, cmd),
      distinct: (db, cmd) => this.distinct(db, cmd),
      createIndexes: (db, cmd) => this.createIndexes(db, cmd),
      listIndexes: (db, cmd) => this.listIndexes(db, cmd),
      dropIndexes: (db, cmd) => this.dropIndexes(db, cmd),
      deleteIndexes: (db, cmd) => this.dropIndexes(db, cmd),
      listCollections: (db, cmd) => this.listCollections(db, cmd),
      listDatabases: (_db, cmd) => this.listDatabases(cmd),
      create: (db, cmd) => this.create(db, cmd),
      drop: (db, cmd) => this.drop(db, cmd),
      dropDatabase: (db) => this.dropDatabase(db),
      renameCollection: (_db, cmd) => this.renameCollection(cmd),
    };
  }

  setClock(clock: () => Date): void {
    this.clock = clock;
  }

  dropAllDatabases(): void {
    this.dbs.clear();
    this.cursors.clear();
  }

  /** Runs one command; never throws. */
  run(db: string, cmd: Document, conn: ConnectionInfo): Document {
    const name = Object.keys(cmd)[0] ?? '';
    try {
      this.expireTtl();
      if (cmd.startTransaction === true || cmd.autocommit === false) {
        throw new CommandError(
          20,
          'IllegalOperation',
          'Transaction numbers are only allowed on a replica set member or mongos (wire test server has no transactions)',
        );
      }
      assertNoCollation(cmd.collation, name);
      const handler = Object.hasOwn(this.handlers, name) ? this.handlers[name] : undefined;
      if (!handler) {
        return { ok: 0, errmsg: `no such command: '${name}'`, code: 59, codeName: 'CommandNotFound' };
      }
      return handler(db, cmd, conn);
    } catch (err) {
      if (err instanceof CommandError) {
        return { ok: 0, errmsg: err.message, code: err.code, codeName: err.codeName, ...err.extra };
      }
      const errmsg = err instanceof Error ? err.message : String(err);
      return { ok: 0, errmsg, code: 2, codeName: 'BadValue' };
    }
  }

  // ---------------------------------------------------------------- storage helpers

  private collection(db: string, name: string): Collection | undefined {
    return this.dbs.get(db)?.get(name);
  }

  private ensureCollection(db: string, name: string): Collection {
    if (name.length === 0 || name.includes('$') || name.includes('\0')) {
      throw new CommandError(73, 'InvalidNamespace', `Invalid collection name: ${name}`);
    }
    let colls = this.dbs.get(db);
    if (!colls) {
      colls = new Map();
      this.dbs.set(db, colls);
    }
    let coll = colls.get(name);
    if (!coll) {
      coll = new Collection(db, name);
      colls.set(name, coll);
    }
    return coll;
  }

  private docs(db: string, name: string): Document[] {
    return this.collection(db, name)?.docs ?? [];
  }

  private expireTtl(): void {
    const now = this.clock();
    for (const colls of this.dbs.values()) {
      for (const coll of colls.values()) {
        coll.expire(now);
      }
    }
  }

  private matching(docs: readonly Document[], filter: Document, sort?: Record<string, 1 | -1>): Document[] {
    const cursor = new Query(filter).find<Document>(docs);
    if (sort) cursor.sort(sort);
    return cursor.all();
  }

  private openCursor(
    ns: string,
    results: Document[],
    firstBatchSize: number,
    singleBatch: boolean,
  ): Document {
    const firstBatch = results.slice(0, firstBatchSize);
    let id = 0;
    if (!singleBatch && results.length > firstBatch.length) {
      id = this.nextCursorId++;
      this.cursors.set(String(id), { ns, docs: results, pos: firstBatch.length });
    }
    return { cursor: { firstBatch, id: Long.fromNumber(id), ns }, ok: 1 };
  }

  private batchSize(value: unknown): number {
    if (value === undefined || value === null) return DEFAULT_BATCH_SIZE;
    const n = asCount(value);
    if (n < 0) throw new CommandError(2, 'BadValue', 'batchSize must be non-negative');
    return n;
  }

  // ---------------------------------------------------------------- handshake / admin

  private hello(cmd: Document, conn: ConnectionInfo): Document {
    return {
      helloOk: true,
      ismaster: true,
      isWritablePrimary: true,
      maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
      maxMessageSizeBytes: MAX_MESSAGE_SIZE_BYTES,
      maxWriteBatchSize: MAX_WRITE_BATCH_SIZE,
      localTime: new Date(),
      logicalSessionTimeoutMinutes: 30,
      connectionId: conn.connectionId,
      minWireVersion: 0,
      maxWireVersion: 21,
      readOnly: false,
      ...(cmd.saslSupportedMechs !== undefined ? { saslSupportedMechs: [] } : {}),
      ok: 1,
    };
  }

  private buildInfo(): Document {
    return {
      version: '7.0.0',
      gitVersion: 'mongo-wire-test-server',
      versionArray: [7, 0, 0, 0],
      bits: 64,
      debug: false,
      maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
      storageEngines: ['memory'],
      ok: 1,
    };
  }

  private getParameter(cmd: Document): Document {
    const out: Document = {};
    const known: Document = {
      featureCompatibilityVersion: { version: '7.0' },
      authenticationMechanisms: [],
    };
    for (const key of Object.keys(cmd)) {
      if (key === 'getParameter' || key.startsWith('$') || key === 'lsid') continue;
      if (Object.hasOwn(known, key)) out[key] = known[key];
    }
    if (cmd.getParameter === '*') Object.assign(out, known);
    return { ...out, ok: 1 };
  }

  // ---------------------------------------------------------------- CRUD

  private insert(db: string, cmd: Document): Document {
    const name = asString(cmd.insert, 'insert');
    const raw: unknown = cmd.documents;
    if (!Array.isArray(raw)) throw new CommandError(9, 'FailedToParse', 'insert.documents must be an array');
    const ordered = cmd.ordered !== false;
    const coll = this.ensureCollection(db, name);
    const writeErrors: Document[] = [];
    let n = 0;
    for (let i = 0; i < raw.length; i++) {
      try {
        const input: unknown = raw[i];
        if (!isPlainObject(input))
          throw new CommandError(2, 'BadValue', 'document to insert must be an object');
        const doc = cloneDoc(idFirst(input));
        coll.insert(doc);
        n++;
      } catch (err) {
        writeErrors.push(writeErrorFrom(i, err));
        if (ordered) break;
      }
    }
    return { n, ...(writeErrors.length > 0 ? { writeErrors } : {}), ok: 1 };
  }

  private find(db: string, cmd: Document): Document {
    const name = asString(cmd.find, 'find');
    const filter = asDocument(cmd.filter, 'filter');
    const projection = asDocument(cmd.projection, 'projection');
    const cursor = new Query(filter).find<Document>(
      this.docs(db, name),
      Object.keys(projection).length > 0 ? projection : undefined,
    );
    const sort = sortSpec(cmd.sort);
    if (sort) cursor.sort(sort);
    const skip = asCount(cmd.skip);
    if (skip > 0) cursor.skip(skip);
    const limit = Math.abs(asCount(cmd.limit));
    if (limit > 0) cursor.limit(limit);
    const results = cursor.all();
    let batch = this.batchSize(cmd.batchSize);
    if (limit > 0) batch = Math.min(batch, limit);
    const singleBatch = cmd.singleBatch === true || asCount(cmd.limit) < 0;
    return this.openCursor(`${db}.${name}`, results, batch, singleBatch);
  }

  private getMore(db: string, cmd: Document): Document {
    const key = cursorKey(cmd.getMore);
    const cursor = this.cursors.get(key);
    const collName = typeof cmd.collection === 'string' ? cmd.collection : '';
    if (!cursor || cursor.ns !== `${db}.${collName}`) {
      throw new CommandError(43, 'CursorNotFound', `cursor id ${key} not found`);
    }
    const size =
      cmd.batchSize === undefined || asCount(cmd.batchSize) <= 0
        ? cursor.docs.length
        : asCount(cmd.batchSize);
    const nextBatch = cursor.docs.slice(cursor.pos, cursor.pos + size);
    cursor.pos += nextBatch.length;
    let id = Long.fromString(key);
    if (cursor.pos >= cursor.docs.length) {
      this.cursors.delete(key);
      id = Long.fromNumber(0);
    }
    return { cursor: { nextBatch, id, ns: cursor.ns }, ok: 1 };
  }

  private killCursors(_db: string, cmd: Document): Document {
    const ids: unknown = cmd.cursors;
    const cursorsKilled: Long[] = [];
    const cursorsNotFound: Long[] = [];
    if (Array.isArray(ids)) {
      for (const id of ids) {
        const key = cursorKey(id);
        if (this.cursors.delete(key)) cursorsKilled.push(Long.fromString(key));
        else cursorsNotFound.push(Long.fromString(key));
      }
    }
    return { cursorsKilled, cursorsNotFound, cursorsAlive: [], cursorsUnknown: [], ok: 1 };
  }

  private update(db: string, cmd: Document): Document {
    const name = asString(cmd.update, 'update');
    const statements: unknown = cmd.updates;
    if (!Array.isArray(statements))
      throw new CommandError(9, 'FailedToParse', 'update.updates must be an array');
    const ordered = cmd.ordered !== false;
    const coll = this.ensureCollection(db, name);
    let n = 0;
    let nModified = 0;
    const upserted: Document[] = [];
    const writeErrors: Document[] = [];
    for (let i = 0; i < statements.length; i++) {
      try {
        const stmt: unknown = statements[i];
        if (!isPlainObject(stmt))
          throw new CommandError(9, 'FailedToParse', 'update statement must be an object');
        assertNoCollation(stmt.collation, 'update statement');
        const filter = asDocument(stmt.q, 'q');
        const u = parseUpdateSpec(stmt.u);
        const arrayFilters = Array.isArray(stmt.arrayFilters)
          ? stmt.arrayFilters.filter(isPlainObject)
          : undefined;
        const now = this.clock();
        let targets = this.matching(coll.docs, filter, sortSpec(stmt.sort));
        if (stmt.multi !== true) targets = targets.slice(0, 1);
        if (targets.length === 0) {
          if (stmt.upsert === true) {
            const doc = buildUpsertDocument(filter, u, now);
            coll.insert(doc);
            n++;
            upserted.push({ index: i, _id: doc._id });
          }
          continue;
        }
        for (const target of targets) {
          const result = this.replaceWithUpdate(coll, target, u, filter, arrayFilters, now);
          n++;
          if (result.modified) nModified++;
        }
      } catch (err) {
        writeErrors.push(writeErrorFrom(i, err));
        if (ordered) break;
      }
    }
    return {
      n,
      nModified,
      ...(upserted.length > 0 ? { upserted } : {}),
      ...(writeErrors.length > 0 ? { writeErrors } : {}),
      ok: 1,
    };
  }

  /** Applies an update to one stored document, enforcing unique indexes; swaps the new version in. */
  private replaceWithUpdate(
    coll: Collection,
    target: Document,
    u: UpdateSpec,
    filter: Document,
    arrayFilters: Document[] | undefined,
    now: Date,
  ): { before: Document; after: Document; modified: boolean } {
    const after = applyUpdate(target, u, { filter, arrayFilters, now, inserting: false });
    const modified = canonical(after) !== canonical(target);
    if (modified) {
      coll.replace(target, after);
    }
    return { before: target, after: modified ? after : target, modified };
  }

  private delete(db: string, cmd: Document): Document {
    const name = asString(cmd.delete, 'delete');
    const statements: unknown = cmd.deletes;
    if (!Array.isArray(statements))
      throw new CommandError(9, 'FailedToParse', 'delete.deletes must be an array');
    const ordered = cmd.ordered !== false;
    const coll = this.collection(db, name);
    let n = 0;
    const writeErrors: Document[] = [];
    for (let i = 0; i < statements.length; i++) {
      try {
        const stmt: unknown = statements[i];
        if (!isPlainObject(stmt))
          throw new CommandError(9, 'FailedToParse', 'delete statement must be an object');
        assertNoCollation(stmt.collation, 'delete statement');
        if (!coll) continue;
        const filter = asDocument(stmt.q, 'q');
        let targets = this.matching(coll.docs, filter, sortSpec(stmt.sort));
        if (asCount(stmt.limit) === 1) targets = targets.slice(0, 1);
        if (targets.length === 0) continue;
        n += coll.remove(new Set(targets));
      } catch (err) {
        writeErrors.push(writeErrorFrom(i, err));
        if (ordered) break;
      }
    }
    return { n, ...(writeErrors.length > 0 ? { writeErrors } : {}), ok: 1 };
  }

  private project(doc: Document | null, fields: unknown): Document | null {
    if (doc === null || !isPlainObject(fields) || Object.keys(fields).length === 0) return doc;
    return new Query({}).find<Document>([doc], fields).all()[0] ?? null;
  }

  private findAndModify(db: string, cmd: Document): Document {
    const name = asString(cmd.findAndModify ?? cmd.findandmodify, 'findAndModify');
    const filter = asDocument(cmd.query, 'query');
    const fields: unknown = cmd.fields ?? cmd.projection;
    const coll = this.ensureCollection(db, name);
    const target = this.matching(coll.docs, filter, sortSpec(cmd.sort))[0];

    if (cmd.remove === true) {
      if (cmd.update !== undefined) {
        throw new CommandError(9, 'FailedToParse', 'Cannot specify both an update and remove=true');
      }
      if (!target) return { lastErrorObject: { n: 0 }, value: null, ok: 1 };
      coll.remove(new Set([target]));
      return { lastErrorObject: { n: 1 }, value: this.project(target, fields), ok: 1 };
    }

    if (cmd.update === undefined) {
      throw new CommandError(9, 'FailedToParse', 'Either an update or remove=true must be specified');
    }
    const u = parseUpdateSpec(cmd.update);
    const arrayFilters = Array.isArray(cmd.arrayFilters) ? cmd.arrayFilters.filter(isPlainObject) : undefined;
    const returnNew = cmd.new === true;
    const now = this.clock();

    if (!target) {
      if (cmd.upsert !== true) {
        return { lastErrorObject: { n: 0, updatedExisting: false }, value: null, ok: 1 };
      }
      const doc = buildUpsertDocument(filter, u, now);
      coll.insert(doc);
      return {
        lastErrorObject: { n: 1, updatedExisting: false, upserted: doc._id },
        value: returnNew ? this.project(doc, fields) : null,
        ok: 1,
      };
    }

    const result = this.replaceWithUpdate(coll, target, u, filter, arrayFilters, now);
    return {
      lastErrorObject: { n: 1, updatedExisting: true },
      value: this.project(returnNew ? result.after : result.before, fields),
      ok: 1,
    };
  }

  // ---------------------------------------------------------------- aggregation & counting

  private aggregate(db: string, cmd: Document): Document {
    const target: unknown = cmd.aggregate;
    if (typeof target !== 'string') {
      throw new CommandError(
        2,
        'BadValue',
        'wire test server only supports aggregate on a collection ({ aggregate: "<name>" })',
      );
    }
    const pipeline: unknown = cmd.pipeline;
    if (!Array.isArray(pipeline) || !pipeline.every(isPlainObject)) {
      throw new CommandError(9, 'FailedToParse', "'pipeline' option must be specified as an array");
    }
    if (cmd.explain === true) throw new CommandError(2, 'BadValue', 'explain is not supported');
    for (const stage of pipeline) {
      const op = Object.keys(stage)[0];
      if (op === '$out' || op === '$merge') {
        throw new CommandError(2, 'BadValue', `${op} is not supported by the wire test server`);
      }
    }
    const aggregator = new Aggregator(pipeline, {
      processingMode: ProcessingMode.CLONE_INPUT,
      collectionResolver: (other: string) => this.docs(db, other),
    });
    const results = aggregator.run<Document>(this.docs(db, target));
    const cursorOpts = asDocument(cmd.cursor, 'cursor');
    return this.openCursor(`${db}.${target}`, results, this.batchSize(cursorOpts.batchSize), false);
  }

  private count(db: string, cmd: Document): Document {
    const name = asString(cmd.count, 'count');
    let results = this.matching(this.docs(db, name), asDocument(cmd.query, 'query'));
    const skip = asCount(cmd.skip);
    if (skip > 0) results = results.slice(skip);
    const limit = Math.abs(asCount(cmd.limit));
    if (limit > 0) results = results.slice(0, limit);
    return { n: results.length, ok: 1 };
  }

  private distinct(db: string, cmd: Document): Document {
    const name = asString(cmd.distinct, 'distinct');
    const key = asString(cmd.key, 'key');
    const seen = new Set<string>();
    const values: unknown[] = [];
    for (const doc of this.matching(this.docs(db, name), asDocument(cmd.query, 'query'))) {
      for (const v of valuesAtPath(doc, key)) {
        if (v === undefined) continue;
        const c = canonical(v);
        if (seen.has(c)) continue;
        seen.add(c);
        values.push(v);
      }
    }
    return { values, ok: 1 };
  }

  // ---------------------------------------------------------------- indexes

  private createIndexes(db: string, cmd: Document): Document {
    const name = asString(cmd.createIndexes, 'createIndexes');
    const raw: unknown = cmd.indexes;
    if (!Array.isArray(raw) || raw.length === 0) {
      throw new CommandError(2, 'BadValue', 'Must specify at least one index to create');
    }
    const specs = raw.map(parseIndexSpec);
    const existed = this.collection(db, name) !== undefined;
    const coll = this.ensureCollection(db, name);
    const before = coll.indexes.length;
    const toAdd: IndexSpec[] = [];
    for (const spec of specs) {
      const sameName = [...coll.indexes, ...toAdd].find((i) => i.name === spec.name);
      if (sameName) {
        if (indexIdentity(sameName) !== indexIdentity(spec)) {
          throw new CommandError(
            86,
            'IndexKeySpecsConflict',
            `An existing index has the same name as the requested index. Requested index: ${canonical(describeIndex(spec))}, existing index: ${canonical(describeIndex(sameName))}`,
          );
        }
        if (indexOptionsSignature(sameName) !== indexOptionsSignature(spec)) {
          throw new CommandError(
            85,
            'IndexOptionsConflict',
            `An equivalent index already exists with the same name but different options. Requested index: ${canonical(describeIndex(spec))}, existing index: ${canonical(describeIndex(sameName))}`,
          );
        }
        continue;
      }
      const sameKey = [...coll.indexes, ...toAdd].find((i) => indexIdentity(i) === indexIdentity(spec));
      if (sameKey) {
        throw new CommandError(
          85,
          'IndexOptionsConflict',
          `Index already exists with a different name: ${sameKey.name}`,
        );
      }
      toAdd.push(spec);
    }
    // all or nothing: a unique index over existing duplicates fails the whole command
    const added: IndexSpec[] = [];
    try {
      for (const spec of toAdd) {
        coll.addIndex(spec);
        added.push(spec);
      }
    } catch (err) {
      coll.dropIndexes(added);
      throw err;
    }
    return {
      numIndexesBefore: before,
      numIndexesAfter: coll.indexes.length,
      ...(toAdd.length === 0 ? { note: 'all indexes already exist' } : {}),
      createdCollectionAutomatically: !existed,
      ok: 1,
    };
  }

  private listIndexes(db: string, cmd: Document): Document {
    const name = asString(cmd.listIndexes, 'listIndexes');
    const coll = this.collection(db, name);
    if (!coll) throw new CommandError(26, 'NamespaceNotFound', `ns does not exist: ${db}.${name}`);
    const cursorOpts = asDocument(cmd.cursor, 'cursor');
    return this.openCursor(
      `${db}.${name}`,
      coll.indexes.map(describeIndex),
      this.batchSize(cursorOpts.batchSize),
      false,
    );
  }

  private dropIndexes(db: string, cmd: Document): Document {
    const name = asString(cmd.dropIndexes ?? cmd.deleteIndexes, 'dropIndexes');
    const coll = this.collection(db, name);
    if (!coll) throw new CommandError(26, 'NamespaceNotFound', `ns not found ${db}.${name}`);
    const nIndexesWas = coll.indexes.length;
    const which: unknown = cmd.index;
    const findIndex = (sel: unknown): IndexSpec => {
      const found =
        typeof sel === 'string'
          ? coll.indexes.find((i) => i.name === sel)
          : coll.indexes.find((i) => canonical(i.key) === canonical(sel));
      if (!found) {
        throw new CommandError(
          27,
          'IndexNotFound',
          `index not found with name [${typeof sel === 'string' ? sel : canonical(sel)}]`,
        );
      }
      if (found.name === ID_INDEX_NAME) {
        throw new CommandError(72, 'InvalidOptions', 'cannot drop _id index');
      }
      return found;
    };
    if (which === '*') {
      coll.dropIndexes(coll.indexes.filter((i) => i.name !== ID_INDEX_NAME));
    } else {
      coll.dropIndexes((Array.isArray(which) ? which : [which]).map(findIndex));
    }
    return { nIndexesWas, ok: 1 };
  }

  // ---------------------------------------------------------------- collections & databases

  private listCollections(db: string, cmd: Document): Document {
    const filter = asDocument(cmd.filter, 'filter');
    const nameOnly = cmd.nameOnly === true;
    const infos = [...(this.dbs.get(db)?.values() ?? [])].map((c) =>
      nameOnly
        ? { name: c.name, type: 'collection' }
        : {
            name: c.name,
            type: 'collection',
            options: {},
            info: { readOnly: false },
            idIndex: { v: 2, key: { _id: 1 }, name: ID_INDEX_NAME },
          },
    );
    const results = new Query(filter).find<Document>(infos).all();
    const cursorOpts = asDocument(cmd.cursor, 'cursor');
    return this.openCursor(
      `${db}.$cmd.listCollections`,
      results,
      this.batchSize(cursorOpts.batchSize),
      false,
    );
  }

  private listDatabases(cmd: Document): Document {
    const databases = [...this.dbs.entries()]
      .filter(([, colls]) => colls.size > 0)
      .map(([name]) => ({ name, sizeOnDisk: 0, empty: false }));
    if (cmd.nameOnly === true) return { databases: databases.map((d) => ({ name: d.name })), ok: 1 };
    return { databases, totalSize: 0, totalSizeMb: 0, ok: 1 };
  }

  private create(db: string, cmd: Document): Document {
    const name = asString(cmd.create, 'create');
    if (this.collection(db, name)) {
      throw new CommandError(48, 'NamespaceExists', `Collection ${db}.${name} already exists.`);
    }
    this.ensureCollection(db, name);
    return { ok: 1 };
  }

  private drop(db: string, cmd: Document): Document {
    const name = asString(cmd.drop, 'drop');
    const coll = this.collection(db, name);
    // MongoDB 7.0 answers ok: 1 when the collection does not exist
    if (!coll) return { ok: 1 };
    this.dbs.get(db)?.delete(name);
    return { nIndexesWas: coll.indexes.length, ns: `${db}.${name}`, ok: 1 };
  }

  private dropDatabase(db: string): Document {
    this.dbs.delete(db);
    return { dropped: db, ok: 1 };
  }

  private renameCollection(cmd: Document): Document {
    const from = asString(cmd.renameCollection, 'renameCollection');
    const to = asString(cmd.to, 'to');
    const split = (ns: string): [string, string] => {
      const dot = ns.indexOf('.');
      if (dot <= 0) throw new CommandError(73, 'InvalidNamespace', `Invalid namespace: ${ns}`);
      return [ns.slice(0, dot), ns.slice(dot + 1)];
    };
    const [fromDb, fromName] = split(from);
    const [toDb, toName] = split(to);
    const coll = this.collection(fromDb, fromName);
    if (!coll) throw new CommandError(26, 'NamespaceNotFound', 'Source collection does not exist');
    if (this.collection(toDb, toName)) {
      if (cmd.dropTarget !== true) throw new CommandError(48, 'NamespaceExists', 'target namespace exists');
      this.dbs.get(toDb)?.delete(toName);
    }
    this.dbs.get(fromDb)?.delete(fromName);
    this.ensureCollection(toDb, toName);
    this.dbs.get(toDb)?.set(toName, coll.renamed(toDb, toName));
    return { ok: 1 };
  }
}
