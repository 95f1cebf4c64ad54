/**
 * Exercises the MongoDB wire test server with the real `mongodb` driver. Every test goes through
 * openMongo(), so with MONGODB_URI set the same assertions run against a real MongoDB; tests of
 * wire-server-only features (injected clock, command log, fault switches) skip on a real server.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { deserialize, serialize } from 'bson';
import {
  type Collection,
  type Document,
  type IndexDescription,
  MongoClient,
  MongoServerError,
  ObjectId,
} from 'mongodb';
import { type MongoTarget, openMongo } from '../support/mongo.js';
import { FrameReader } from '../support/mongo-wire/protocol.js';

/** Builds an OP_MSG frame by hand: body section plus optional kind-1 sequence and checksum. */
function opMsg(
  requestId: number,
  body: Document,
  options: { flags?: number; sequence?: { id: string; docs: Document[] } } = {},
): Buffer {
  const parts: Buffer[] = [];
  const flags = Buffer.alloc(4);
  flags.writeUInt32LE(options.flags ?? 0);
  parts.push(flags, Buffer.from([0]), Buffer.from(serialize(body)));
  if (options.sequence) {
    const id = Buffer.from(`${options.sequence.id}\0`);
    const docs = options.sequence.docs.map((d) => Buffer.from(serialize(d)));
    const size = Buffer.alloc(4);
    size.writeInt32LE(4 + id.length + docs.reduce((n, d) => n + d.length, 0));
    parts.push(Buffer.from([1]), size, id, ...docs);
  }
  if ((options.flags ?? 0) & 1) parts.push(Buffer.from([0xde, 0xad, 0xbe, 0xef]));
  const payload = Buffer.concat(parts);
  const header = Buffer.alloc(16);
  header.writeInt32LE(16 + payload.length, 0);
  header.writeInt32LE(requestId, 4);
  header.writeInt32LE(0, 8);
  header.writeInt32LE(2013, 12);
  return Buffer.concat([header, payload]);
}

interface RawReply {
  responseTo: number;
  doc: Document;
}

function rawConnect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Resolves with the next `count` OP_MSG replies read from the socket. */
function readReplies(socket: net.Socket, count: number): Promise<RawReply[]> {
  return new Promise((resolve, reject) => {
    const reader = new FrameReader();
    const replies: RawReply[] = [];
    const onData = (data: Buffer): void => {
      for (const frame of reader.push(data)) {
        replies.push({ responseTo: frame.readInt32LE(8), doc: deserialize(frame.subarray(21)) });
      }
      if (replies.length >= count) {
        socket.off('data', onData);
        resolve(replies);
      }
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error(`socket closed after ${replies.length} replies`)));
  });
}

function isDuplicateKey(err: unknown): boolean {
  return err instanceof MongoServerError && err.code === 11000;
}

describe('MongoDB wire test server, driven by the mongodb driver', () => {
  let target: MongoTarget;
  let seq = 0;

  /** a fresh collection per test so tests never see each other's data */
  function coll<T extends Document = Document>(base: string): Collection<T> {
    seq += 1;
    return target.db.collection<T>(`${base}_${seq}`);
  }

  function wireOnly(ctx: Mocha.Context, what: string): void {
    if (target.kind !== 'wire') {
      console.log(`      (skipped on a real MongoDB: ${what} is a wire-test-server feature)`);
      ctx.skip();
    }
  }

  before(async () => {
    target = await openMongo();
  });

  after(async () => {
    await target?.close();
  });

  describe('connection', () => {
    it('connects and answers ping', async () => {
      const res = await target.db.command({ ping: 1 });
      assert.equal(res.ok, 1);
    });

    it('answers a bad query with a server error, and keeps serving', async () => {
      const c = coll('bad_query');
      await assert.rejects(
        c.find({ a: { $noSuchOperator: 1 } }).toArray(),
        (err: unknown) => err instanceof MongoServerError && err.code === 2,
      );
      assert.equal((await target.db.command({ ping: 1 })).ok, 1);
    });

    it('reports a server version through buildInfo', async () => {
      const info = await target.db.admin().buildInfo();
      assert.equal(typeof info.version, 'string');
      assert.match(info.version, /^\d+\.\d+/);
    });

    it('rejects unknown commands with CommandNotFound', async () => {
      await assert.rejects(
        target.db.command({ noSuchCommandForTheWireServer: 1 }),
        (err: unknown) => err instanceof MongoServerError && err.code === 59,
      );
    });
  });

  describe('insert and find', () => {
    it('inserts one and many and finds them with sort, skip, limit and projection', async () => {
      const c = coll<{ _id?: ObjectId; name: string; n: number; extra?: string }>('people');
      const one = await c.insertOne({ name: 'zoe', n: 5, extra: 'x' });
      assert.ok(one.insertedId instanceof ObjectId);
      const many = await c.insertMany([
        { name: 'amy', n: 1, extra: 'x' },
        { name: 'bob', n: 3, extra: 'x' },
        { name: 'cat', n: 2, extra: 'x' },
        { name: 'dan', n: 4, extra: 'x' },
      ]);
      assert.equal(many.insertedCount, 4);

      const sorted = await c.find({}).sort({ n: 1 }).toArray();
      assert.deepEqual(
        sorted.map((d) => d.name),
        ['amy', 'cat', 'bob', 'dan', 'zoe'],
      );

      const page = await c
        .find({ n: { $gte: 2 } }, { projection: { _id: 0, name: 1 } })
        .sort({ n: -1 })
        .skip(1)
        .limit(2)
        .toArray();
      assert.deepEqual(page, [{ name: 'dan' }, { name: 'bob' }]);

      const found = await c.findOne({ _id: one.insertedId });
      assert.equal(found?.name, 'zoe');
      assert.equal(await c.findOne({ name: 'nobody' }), null);

      const excluded = await c.findOne({ name: 'amy' }, { projection: { extra: 0 } });
      assert.ok(excluded);
      assert.equal('extra' in excluded, false);
      assert.equal(excluded.n, 1);
    });

    it('pages a cursor with getMore (batchSize 2 over 7 docs)', async () => {
      const c = coll<{ i: number }>('paged');
      await c.insertMany(Array.from({ length: 7 }, (_, i) => ({ i })));
      target.server?.clearCommandLog();
      const all = await c.find({}).sort({ i: 1 }).batchSize(2).toArray();
      assert.deepEqual(
        all.map((d) => d.i),
        [0, 1, 2, 3, 4, 5, 6],
      );
      if (target.server) {
        const getMores = target.server.commandLog.filter((e) => e.name === 'getMore');
        assert.equal(getMores.length, 3);
      }
    });

    it('can close a cursor early (killCursors)', async () => {
      const c = coll<{ i: number }>('early');
      await c.insertMany(Array.from({ length: 5 }, (_, i) => ({ i })));
      const cursor = c.find({}).batchSize(2);
      const first = await cursor.next();
      assert.ok(first);
      await cursor.close();
      assert.equal(await c.countDocuments(), 5);
    });

    it('stores copies: mutating an inserted object does not change the stored document', async () => {
      const c = coll<{ _id?: ObjectId; tags: string[] }>('copies');
      const doc = { tags: ['a'] };
      await c.insertOne(doc);
      doc.tags.push('b');
      const stored = await c.findOne({});
      assert.deepEqual(stored?.tags, ['a']);
    });
  });

  describe('updates', () => {
    it('updateOne with $set, $inc, $unset, $push, $addToSet and $pull', async () => {
      const c = coll<{
        name: string;
        count: number;
        tmp?: boolean;
        list: string[];
        tags: string[];
        nested?: { deep: number };
      }>('ops');
      const { insertedId } = await c.insertOne({
        name: 'a',
        count: 1,
        tmp: true,
        list: ['x'],
        tags: ['t1', 't2'],
      });
      const res = await c.updateOne(
        { _id: insertedId },
        {
          $set: { name: 'b', 'nested.deep': 1 },
          $inc: { count: 2 },
          $unset: { tmp: '' },
          $push: { list: 'y' },
          $addToSet: { tags: 't1' },
        },
      );
      assert.equal(res.matchedCount, 1);
      assert.equal(res.modifiedCount, 1);
      await c.updateOne({ _id: insertedId }, { $addToSet: { tags: 't3' }, $pull: { list: 'x' } });
      const doc = await c.findOne({ _id: insertedId });
      assert.ok(doc);
      assert.equal(doc.name, 'b');
      assert.equal(doc.count, 3);
      assert.equal('tmp' in doc, false);
      assert.deepEqual(doc.nested, { deep: 1 });
      assert.deepEqual(doc.list, ['y']);
      assert.deepEqual(doc.tags, ['t1', 't2', 't3']);
    });

    it('reports modifiedCount 0 when an update changes nothing, and 0 matched for no match', async () => {
      const c = coll('noop');
      await c.insertOne({ k: 1, v: 'same' });
      const same = await c.updateOne({ k: 1 }, { $set: { v: 'same' } });
      assert.equal(same.matchedCount, 1);
      assert.equal(same.modifiedCount, 0);
      const none = await c.updateOne({ k: 2 }, { $set: { v: 'x' } });
      assert.equal(none.matchedCount, 0);
      assert.equal(none.upsertedId, null);
    });

    it('supports $min, $max and $currentDate', async () => {
      const c = coll('minmax');
      const { insertedId } = await c.insertOne({ lo: 5, hi: 5 });
      await c.updateOne(
        { _id: insertedId },
        { $min: { lo: 2 }, $max: { hi: 9 }, $currentDate: { at: true } },
      );
      const doc = await c.findOne({ _id: insertedId });
      assert.equal(doc?.lo, 2);
      assert.equal(doc?.hi, 9);
      assert.ok(doc?.at instanceof Date);
    });

    it('updateMany updates every match', async () => {
      const c = coll('many');
      await c.insertMany([
        { g: 'a', v: 0 },
        { g: 'a', v: 0 },
        { g: 'b', v: 0 },
      ]);
      const res = await c.updateMany({ g: 'a' }, { $set: { v: 1 } });
      assert.equal(res.matchedCount, 2);
      assert.equal(res.modifiedCount, 2);
      assert.equal(await c.countDocuments({ v: 1 }), 2);
      assert.equal(await c.countDocuments({ g: 'b', v: 0 }), 1);
    });

    it('replaceOne replaces the whole document but keeps _id', async () => {
      const c = coll('replace');
      const { insertedId } = await c.insertOne({ a: 1, b: 2 });
      const res = await c.replaceOne({ _id: insertedId }, { c: 3 });
      assert.equal(res.modifiedCount, 1);
      const doc = await c.findOne({ _id: insertedId });
      assert.deepEqual(doc, { _id: insertedId, c: 3 });
    });

    it('supports aggregation-pipeline updates', async () => {
      const c = coll('pipeline');
      const { insertedId } = await c.insertOne({ a: 2, b: 3 });
      await c.updateOne({ _id: insertedId }, [{ $set: { total: { $add: ['$a', '$b'] } } }]);
      const doc = await c.findOne({ _id: insertedId });
      assert.equal(doc?.total, 5);
    });

    it('upserts, seeding from the filter equality fields and applying $setOnInsert', async () => {
      const c = coll('upsert');
      const res = await c.updateOne(
        { email: 'a@example.com', tenant: { $eq: 't1' }, attempts: { $lt: 5 } },
        { $set: { seen: 1 }, $setOnInsert: { created: 'yes' }, $inc: { hits: 1 } },
        { upsert: true },
      );
      assert.equal(res.matchedCount, 0);
      assert.equal(res.upsertedCount, 1);
      assert.ok(res.upsertedId instanceof ObjectId);
      const doc = await c.findOne({ _id: res.upsertedId });
      assert.ok(doc);
      assert.equal(doc.email, 'a@example.com');
      assert.equal(doc.tenant, 't1');
      assert.equal('attempts' in doc, false);
      assert.equal(doc.seen, 1);
      assert.equal(doc.created, 'yes');
      assert.equal(doc.hits, 1);

      const again = await c.updateOne(
        { email: 'a@example.com' },
        { $set: { seen: 2 }, $setOnInsert: { created: 'no' }, $inc: { hits: 1 } },
        { upsert: true },
      );
      assert.equal(again.matchedCount, 1);
      assert.equal(again.upsertedId, null);
      const after = await c.findOne({ email: 'a@example.com' });
      assert.equal(after?.created, 'yes');
      assert.equal(after?.hits, 2);
      assert.equal(after?.seen, 2);
    });

    it('upserts with the _id given in the filter', async () => {
      const c = coll<{ _id: string; v?: number }>('upsert_id');
      const res = await c.updateOne({ _id: 'fixed' }, { $set: { v: 1 } }, { upsert: true });
      assert.equal(res.upsertedId, 'fixed');
      assert.deepEqual(await c.findOne({ _id: 'fixed' }), { _id: 'fixed', v: 1 });
    });
  });

  describe('findOneAndUpdate / findOneAndDelete', () => {
    it("returns the document 'after' or 'before' the update", async () => {
      const c = coll('fam');
      await c.insertOne({ k: 'x', n: 1 });
      const after = await c.findOneAndUpdate({ k: 'x' }, { $inc: { n: 1 } }, { returnDocument: 'after' });
      assert.equal(after?.n, 2);
      const before = await c.findOneAndUpdate({ k: 'x' }, { $inc: { n: 1 } }, { returnDocument: 'before' });
      assert.equal(before?.n, 2);
      assert.equal((await c.findOne({ k: 'x' }))?.n, 3);
      const missing = await c.findOneAndUpdate({ k: 'nope' }, { $inc: { n: 1 } });
      assert.equal(missing, null);
    });

    it('upserts, honouring returnDocument and $setOnInsert', async () => {
      const c = coll('fam_upsert');
      const before = await c.findOneAndUpdate(
        { k: 'a' },
        { $set: { v: 1 }, $setOnInsert: { born: true } },
        { upsert: true, returnDocument: 'before' },
      );
      assert.equal(before, null);
      const after = await c.findOneAndUpdate(
        { k: 'b' },
        { $set: { v: 2 }, $setOnInsert: { born: true } },
        { upsert: true, returnDocument: 'after', projection: { _id: 0 } },
      );
      assert.deepEqual(after, { k: 'b', v: 2, born: true });
      assert.equal(await c.countDocuments(), 2);
    });

    it('picks the first document in sort order and can include result metadata', async () => {
      const c = coll('fam_sort');
      await c.insertMany([
        { q: 1, rank: 2 },
        { q: 1, rank: 1 },
        { q: 1, rank: 3 },
      ]);
      const res = await c.findOneAndUpdate(
        { q: 1 },
        { $set: { picked: true } },
        { sort: { rank: -1 }, returnDocument: 'after', includeResultMetadata: true },
      );
      assert.equal(res.value?.rank, 3);
      assert.equal(res.ok, 1);
      assert.equal(res.lastErrorObject?.updatedExisting, true);
    });

    it('findOneAndDelete removes and returns the document', async () => {
      const c = coll('fad');
      await c.insertMany([
        { k: 1, order: 2 },
        { k: 1, order: 1 },
      ]);
      const deleted = await c.findOneAndDelete({ k: 1 }, { sort: { order: 1 } });
      assert.equal(deleted?.order, 1);
      assert.equal(await c.countDocuments(), 1);
      assert.equal(await c.findOneAndDelete({ k: 99 }), null);
    });
  });

  describe('deletes and counts', () => {
    it('deleteOne and deleteMany', async () => {
      const c = coll('del');
      await c.insertMany([{ g: 1 }, { g: 1 }, { g: 2 }, { g: 2 }, { g: 3 }]);
      assert.equal((await c.deleteOne({ g: 1 })).deletedCount, 1);
      assert.equal((await c.deleteMany({ g: 2 })).deletedCount, 2);
      assert.equal((await c.deleteMany({ g: 42 })).deletedCount, 0);
      assert.equal(await c.countDocuments(), 2);
      assert.equal((await c.deleteMany({})).deletedCount, 2);
      assert.equal(await c.countDocuments(), 0);
    });

    it('countDocuments and estimatedDocumentCount', async () => {
      const c = coll('count');
      assert.equal(await c.countDocuments(), 0);
      assert.equal(await c.estimatedDocumentCount(), 0);
      await c.insertMany(Array.from({ length: 6 }, (_, i) => ({ i, even: i % 2 === 0 })));
      assert.equal(await c.countDocuments(), 6);
      assert.equal(await c.countDocuments({ even: true }), 3);
      assert.equal(await c.countDocuments({}, { skip: 1, limit: 2 }), 2);
      assert.equal(await c.estimatedDocumentCount(), 6);
    });

    it('distinct', async () => {
      const c = coll('distinct');
      await c.insertMany([
        { color: 'red', tags: ['a', 'b'] },
        { color: 'blue', tags: ['b', 'c'] },
        { color: 'red', tags: [] },
      ]);
      const colors = (await c.distinct('color')).sort();
      assert.deepEqual(colors, ['blue', 'red']);
      const tags = (await c.distinct('tags')).sort();
      assert.deepEqual(tags, ['a', 'b', 'c']);
      assert.deepEqual(await c.distinct('color', { tags: 'c' }), ['blue']);
    });

    it('aggregate with $match, $group and $sort', async () => {
      const c = coll('agg');
      await c.insertMany([
        { shop: 'a', amount: 5 },
        { shop: 'b', amount: 1 },
        { shop: 'a', amount: 7 },
        { shop: 'c', amount: 100 },
        { shop: 'b', amount: 2 },
      ]);
      const rows = await c
        .aggregate<{ _id: string; total: number; count: number }>([
          { $match: { amount: { $lt: 50 } } },
          { $group: { _id: '$shop', total: { $sum: '$amount' }, count: { $sum: 1 } } },
          { $sort: { total: -1 } },
        ])
        .toArray();
      assert.deepEqual(rows, [
        { _id: 'a', total: 12, count: 2 },
        { _id: 'b', total: 3, count: 2 },
      ]);
    });
  });

  describe('indexes', () => {
    it('a unique index rejects duplicates from insertOne, insertMany, updateOne and findOneAndUpdate', async () => {
      const c = coll('uniq');
      await c.createIndex({ email: 1 }, { unique: true });
      await c.insertOne({ email: 'a@x', n: 1 });
      await c.insertOne({ email: 'b@x', n: 2 });

      await assert.rejects(c.insertOne({ email: 'a@x' }), (err: unknown) => {
        assert.ok(isDuplicateKey(err));
        assert.match((err as MongoServerError).message, /E11000 duplicate key error/);
        assert.deepEqual((err as MongoServerError).keyValue, { email: 'a@x' });
        return true;
      });

      // ordered insertMany stops at the first duplicate
      await assert.rejects(
        c.insertMany([{ email: 'c@x' }, { email: 'a@x' }, { email: 'd@x' }]),
        isDuplicateKey,
      );
      assert.equal(await c.countDocuments({ email: 'c@x' }), 1);
      assert.equal(await c.countDocuments({ email: 'd@x' }), 0);

      await assert.rejects(c.updateOne({ email: 'b@x' }, { $set: { email: 'a@x' } }), isDuplicateKey);
      await assert.rejects(
        c.findOneAndUpdate({ email: 'b@x' }, { $set: { email: 'a@x' } }, { returnDocument: 'after' }),
        isDuplicateKey,
      );
      await assert.rejects(
        c.updateOne({ email: 'zzz' }, { $set: { email: 'a@x' } }, { upsert: true }),
        isDuplicateKey,
      );
      assert.equal((await c.findOne({ email: 'b@x' }))?.n, 2);
      assert.equal(await c.countDocuments(), 3);
    });

    it('_id is always unique', async () => {
      const c = coll<{ _id: string }>('ids');
      await c.insertOne({ _id: 'same' });
      await assert.rejects(c.insertOne({ _id: 'same' }), isDuplicateKey);
    });

    it('enforces compound unique keys', async () => {
      const c = coll('compound');
      await c.createIndex({ tenant: 1, user: 1 }, { unique: true });
      await c.insertMany([
        { tenant: 't1', user: 'u1' },
        { tenant: 't1', user: 'u2' },
        { tenant: 't2', user: 'u1' },
      ]);
      await assert.rejects(c.insertOne({ tenant: 't1', user: 'u1' }), isDuplicateKey);
    });

    it('a partial unique index allows many documents without the field', async () => {
      const c = coll('partial');
      await c.createIndex(
        { username: 1 },
        { unique: true, partialFilterExpression: { username: { $type: 'string' } } },
      );
      await c.insertMany([{ a: 1 }, { a: 2 }, { a: 3 }]);
      await c.insertOne({ username: 'alice' });
      await assert.rejects(c.insertOne({ username: 'alice' }), isDuplicateKey);
      // a non-string value is outside the partial index
      await c.insertMany([{ username: null }, { username: null }]);
      assert.equal(await c.countDocuments(), 6);
    });

    it('a sparse unique index allows many documents without the field', async () => {
      const c = coll('sparse');
      await c.createIndex({ code: 1 }, { unique: true, sparse: true });
      await c.insertMany([{ a: 1 }, { a: 2 }]);
      await c.insertOne({ code: 'x' });
      await assert.rejects(c.insertOne({ code: 'x' }), isDuplicateKey);
    });

    it('a plain unique index treats a missing field as null (only one allowed)', async () => {
      const c = coll('missing_null');
      await c.createIndex({ phone: 1 }, { unique: true });
      await c.insertOne({ a: 1 });
      await assert.rejects(c.insertOne({ a: 2 }), isDuplicateKey);
    });

    it('createIndexes is idempotent and listIndexes shows the indexes', async () => {
      const c = coll('idx');
      const specs: IndexDescription[] = [
        { key: { email: 1 }, name: 'email_1', unique: true },
        { key: { createdAt: 1 }, name: 'createdAt_ttl', expireAfterSeconds: 3600 },
        { key: { a: 1, b: -1 }, name: 'a_1_b_-1' },
      ];
      const first = await c.createIndexes(specs);
      assert.deepEqual(first, ['email_1', 'createdAt_ttl', 'a_1_b_-1']);
      const second = await c.createIndexes(specs);
      assert.deepEqual(second, ['email_1', 'createdAt_ttl', 'a_1_b_-1']);
      assert.equal(await c.createIndex({ email: 1 }, { unique: true }), 'email_1');

      const listed = await c.listIndexes().toArray();
      const byName = new Map(listed.map((i) => [i.name as string, i]));
      assert.deepEqual([...byName.keys()].sort(), ['_id_', 'a_1_b_-1', 'createdAt_ttl', 'email_1']);
      assert.equal(byName.get('email_1')?.unique, true);
      assert.equal(byName.get('createdAt_ttl')?.expireAfterSeconds, 3600);
      assert.deepEqual(byName.get('a_1_b_-1')?.key, { a: 1, b: -1 });
      assert.equal(await c.indexExists('email_1'), true);
    });

    it('rejects an index whose name exists with a different definition', async () => {
      const c = coll('idx_conflict');
      await c.createIndex({ email: 1 }, { name: 'email_1' });
      await c.createIndex({ seenAt: 1 }, { name: 'seenAt_1', expireAfterSeconds: 60 });
      // different uniqueness under the same name: IndexKeySpecsConflict (86) on MongoDB 7
      await assert.rejects(
        c.createIndex({ email: 1 }, { name: 'email_1', unique: true }),
        (err: unknown) => err instanceof MongoServerError && (err.code === 85 || err.code === 86),
      );
      // a changed TTL under the same name: IndexOptionsConflict (85)
      await assert.rejects(
        c.createIndex({ seenAt: 1 }, { name: 'seenAt_1', expireAfterSeconds: 120 }),
        (err: unknown) => err instanceof MongoServerError && err.code === 85,
      );
      // the same key under another name: IndexOptionsConflict (85)
      await assert.rejects(
        c.createIndex({ email: 1 }, { name: 'email_other' }),
        (err: unknown) => err instanceof MongoServerError && err.code === 85,
      );
    });

    it('refuses to build a unique index over existing duplicates', async () => {
      const c = coll('idx_build');
      await c.insertMany([{ k: 1 }, { k: 1 }]);
      await assert.rejects(c.createIndex({ k: 1 }, { unique: true }), isDuplicateKey);
    });

    it('dropIndex removes an index', async () => {
      const c = coll('idx_drop');
      await c.createIndex({ k: 1 }, { unique: true });
      await c.dropIndex('k_1');
      await c.insertMany([{ k: 1 }, { k: 1 }]);
      const names = (await c.listIndexes().toArray()).map((i) => i.name);
      assert.deepEqual(names, ['_id_']);
    });

    it('TTL: moving the injected clock past expiry removes the document', async function () {
      wireOnly(this, 'the injected clock');
      let now = new Date('2030-01-01T00:00:00Z');
      const ttl = await openMongo({ now: () => now });
      try {
        const c = ttl.db.collection('ttl');
        await c.createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0 });
        await c.createIndex({ createdAt: 1 }, { expireAfterSeconds: 60 });
        await c.insertMany([
          { name: 'short', expiresAt: new Date(now.getTime() + 10_000) },
          { name: 'minute', createdAt: new Date(now.getTime()) },
          { name: 'forever' },
        ]);
        assert.equal(await c.countDocuments(), 3);
        now = new Date(now.getTime() + 10_000);
        assert.deepEqual((await c.find({}).toArray()).map((d) => d.name).sort(), ['forever', 'minute']);
        now = new Date(now.getTime() + 50_000);
        assert.deepEqual(
          (await c.find({}).toArray()).map((d) => d.name),
          ['forever'],
        );
        ttl.server?.setClock(() => new Date('2100-01-01T00:00:00Z'));
        assert.equal(await c.countDocuments(), 1);
      } finally {
        await ttl.close();
      }
    });
  });

  describe('concurrency', () => {
    it('50 parallel conditional findOneAndUpdate calls increment exactly 5 times', async () => {
      const c = coll<{ _id: string; n: number }>('race');
      await c.insertOne({ _id: 'counter', n: 0 });
      const results = await Promise.all(
        Array.from({ length: 50 }, () =>
          c.findOneAndUpdate(
            { _id: 'counter', n: { $lt: 5 } },
            { $inc: { n: 1 } },
            { returnDocument: 'after' },
          ),
        ),
      );
      const hits = results.filter((r) => r !== null);
      assert.equal(hits.length, 5);
      assert.deepEqual(hits.map((r) => r?.n).sort(), [1, 2, 3, 4, 5]);
      assert.equal((await c.findOne({ _id: 'counter' }))?.n, 5);
    });

    it('50 parallel upserts of the same key under a unique index create one document', async () => {
      const c = coll('race_upsert');
      await c.createIndex({ key: 1 }, { unique: true });
      const outcomes = await Promise.allSettled(
        Array.from({ length: 50 }, () => c.updateOne({ key: 'k' }, { $inc: { n: 1 } }, { upsert: true })),
      );
      const ok = outcomes.filter((o) => o.status === 'fulfilled').length;
      assert.equal(await c.countDocuments(), 1);
      assert.equal((await c.findOne({ key: 'k' }))?.n, ok);
    });
  });

  describe('wire-server-only features', () => {
    it('commandLog records command names', async function () {
      wireOnly(this, 'the command log');
      const server = target.server!;
      const c = coll('logged');
      server.clearCommandLog();
      await c.insertOne({ a: 1 });
      await c.findOne({ a: 1 });
      await c.updateOne({ a: 1 }, { $set: { b: 1 } });
      const names = server.commandLog.filter((e) => e.db === target.db.databaseName).map((e) => e.name);
      assert.deepEqual(names, ['insert', 'find', 'update']);
    });

    it('refuses collation loudly instead of ignoring it', async function () {
      wireOnly(this, 'refusing collation');
      const c = coll('collation');
      await assert.rejects(
        c.createIndex({ email: 1 }, { unique: true, collation: { locale: 'en', strength: 2 } }),
        MongoServerError,
      );
      await assert.rejects(
        c.find({}, { collation: { locale: 'en', strength: 2 } }).toArray(),
        MongoServerError,
      );
    });

    it('dropAllDatabases empties the server', async function () {
      wireOnly(this, 'dropAllDatabases');
      const server = await openMongo();
      try {
        const c = server.db.collection('gone');
        await c.insertOne({ a: 1 });
        server.server!.dropAllDatabases();
        assert.equal(await c.countDocuments(), 0);
      } finally {
        await server.close();
      }
    });

    describe('raw wire protocol', () => {
      const sockets: net.Socket[] = [];

      beforeEach(function () {
        wireOnly(this, 'raw protocol framing');
      });

      afterEach(() => {
        for (const socket of sockets.splice(0)) socket.destroy();
      });

      it('FrameReader reassembles frames split byte by byte and splits coalesced frames', () => {
        const a = opMsg(1, { ping: 1, $db: 'admin' });
        const b = opMsg(2, { ping: 1, $db: 'admin' });
        const reader = new FrameReader();
        const bytes = Buffer.concat([a, b]);
        const frames: Buffer[] = [];
        for (let i = 0; i < bytes.length; i++) frames.push(...reader.push(bytes.subarray(i, i + 1)));
        assert.deepEqual(frames, [a, b]);
        assert.deepEqual(new FrameReader().push(bytes), [a, b]);
      });

      it('answers coalesced OP_MSGs with kind-1 sequences and checksums, and skips moreToCome', async () => {
        const socket = await rawConnect(target.server!.port);
        sockets.push(socket);
        const db = target.db.databaseName;
        const replies = readReplies(socket, 3);
        socket.write(
          Buffer.concat([
            opMsg(
              101,
              { insert: 'raw', $db: db },
              { sequence: { id: 'documents', docs: [{ _id: 1 }, { _id: 2 }] } },
            ),
            opMsg(102, { ping: 1, $db: db }, { flags: 1 << 1 }), // moreToCome: no reply
            opMsg(103, { find: 'raw', filter: {}, $db: db }, { flags: 1 }), // checksumPresent
            opMsg(104, { noSuchCommand: 1, $db: db }),
          ]),
        );
        const [insert, find, unknown] = await replies;
        assert.equal(insert?.responseTo, 101);
        assert.equal(insert?.doc.n, 2);
        assert.equal(find?.responseTo, 103);
        assert.deepEqual(find?.doc.cursor.firstBatch, [{ _id: 1 }, { _id: 2 }]);
        assert.equal(unknown?.responseTo, 104);
        assert.equal(unknown?.doc.ok, 0);
        assert.equal(unknown?.doc.code, 59);
        await target.db.collection('raw').drop();
      });

      it('closes only the offending socket on a malformed frame', async () => {
        const bad = await rawConnect(target.server!.port);
        sockets.push(bad);
        const closed = new Promise<void>((resolve) => bad.once('close', () => resolve()));
        const garbage = Buffer.alloc(16);
        garbage.writeInt32LE(3, 0); // messageLength smaller than a header
        bad.write(garbage);
        await closed;

        const unknownOpcode = await rawConnect(target.server!.port);
        sockets.push(unknownOpcode);
        const closed2 = new Promise<void>((resolve) => unknownOpcode.once('close', () => resolve()));
        const frame = opMsg(1, { ping: 1, $db: 'admin' });
        frame.writeInt32LE(9999, 12);
        unknownOpcode.write(frame);
        await closed2;

        const res = await target.db.command({ ping: 1 });
        assert.equal(res.ok, 1);
      });
    });

    describe('fault switches', () => {
      let faulty: MongoTarget | undefined;
      let client: MongoClient | undefined;

      beforeEach(async function () {
        wireOnly(this, 'fault injection');
        faulty = await openMongo();
        client = new MongoClient(faulty.uri, {
          serverSelectionTimeoutMS: 1000,
          connectTimeoutMS: 1000,
          heartbeatFrequencyMS: 500,
        });
        await client.connect();
      });

      afterEach(async () => {
        await client?.close();
        await faulty?.close();
        client = undefined;
        faulty = undefined;
      });

      it('refuseConnections(true) makes operations fail; (false) lets the same client recover', async () => {
        const server = faulty!.server!;
        const c = client!.db(faulty!.db.databaseName).collection('faults');
        await c.insertOne({ a: 1 });

        server.refuseConnections(true);
        await assert.rejects(c.findOne({ a: 1 }));
        await assert.rejects(c.insertOne({ a: 2 }));

        server.refuseConnections(false);
        const doc = await c.findOne({ a: 1 });
        assert.equal(doc?.a, 1);
        await c.insertOne({ a: 3 });
        assert.equal(await c.countDocuments(), 2);
      });

      it('dropConnections() then a new operation succeeds', async () => {
        const server = faulty!.server!;
        const c = client!.db(faulty!.db.databaseName).collection('drops');
        await c.insertOne({ a: 1 });
        server.dropConnections();
        assert.equal((await c.findOne({ a: 1 }))?.a, 1);
        server.dropConnections();
        assert.equal(await c.countDocuments(), 1);
      });

      it('setDelay(200) delays replies', async () => {
        const server = faulty!.server!;
        const db = client!.db(faulty!.db.databaseName);
        await db.command({ ping: 1 });
        server.setDelay(200);
        const started = performance.now();
        await db.command({ ping: 1 });
        const elapsed = performance.now() - started;
        server.setDelay(0);
        assert.ok(elapsed >= 200, `ping took ${elapsed.toFixed(1)} ms`);
        const quick = performance.now();
        await db.command({ ping: 1 });
        assert.ok(performance.now() - quick < 200);
      });

      it('a delayed reply to a dropped socket does not crash the server', async () => {
        const server = faulty!.server!;
        const db = client!.db(faulty!.db.databaseName);
        server.setDelay(100);
        const pending = db.command({ ping: 1 }).then(
          () => 'ok',
          () => 'failed',
        );
        server.dropConnections();
        // either outcome is fine (the ping may or may not have reached the old socket); the point is
        // that the server survives the timer firing for a destroyed socket
        assert.ok(['ok', 'failed'].includes(await pending));
        server.setDelay(0);
        const res = await db.command({ ping: 1 });
        assert.equal(res.ok, 1);
      });
    });
  });
});
