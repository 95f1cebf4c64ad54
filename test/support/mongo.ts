/**
 * Opens the MongoDB every MongoDB test uses: a real server when MONGODB_URI is set, otherwise the
 * in-process wire test server (./mongo-wire/server.ts).
 */
import { randomBytes } from 'node:crypto';
import { type Db, MongoClient } from 'mongodb';
import { MongoWireServer } from './mongo-wire/server.js';

export interface MongoTarget {
  kind: 'wire' | 'real';
  uri: string;
  client: MongoClient;
  db: Db;
  server?: MongoWireServer;
  close(): Promise<void>;
}

let announced = false;

function announce(message: string): void {
  if (announced) return;
  announced = true;
  console.log(message);
}

/** Removes the password from a connection string for printing. */
export function redactUri(uri: string): string {
  return uri.replace(/^([a-z+]+:\/\/)([^:@/]+):([^@/]*)@/i, '$1$2:***@');
}

function testDbName(): string {
  return `sspr_test_${randomBytes(6).toString('hex')}`;
}

/**
 * With MONGODB_URI set: connect there, use a fresh database named `sspr_test_<random>` and drop it
 * on close. Otherwise start a MongoWireServer (passing `now` if given) and connect to it.
 * Prints once per process which one it used.
 */
export async function openMongo(options: { now?: () => Date } = {}): Promise<MongoTarget> {
  const realUri = process.env.MONGODB_URI;
  if (realUri !== undefined && realUri.trim() !== '') {
    announce(`MongoDB tests: using real MongoDB at ${redactUri(realUri)}`);
    const client = new MongoClient(realUri, { serverSelectionTimeoutMS: 10_000 });
    await client.connect();
    const db = client.db(testDbName());
    return {
      kind: 'real',
      uri: realUri,
      client,
      db,
      async close() {
        try {
          await db.dropDatabase();
        } finally {
          await client.close();
        }
      },
    };
  }

  announce('MongoDB tests: using the wire test server (no MONGODB_URI)');
  const server = await MongoWireServer.start(options.now ? { now: options.now } : {});
  const client = new MongoClient(server.uri, {
    serverSelectionTimeoutMS: 2000,
    connectTimeoutMS: 2000,
    socketTimeoutMS: 10_000,
  });
  try {
    await client.connect();
  } catch (err) {
    await server.stop();
    throw err;
  }
  const db = client.db(testDbName());
  return {
    kind: 'wire',
    uri: server.uri,
    client,
    db,
    server,
    async close() {
      try {
        await client.close();
      } finally {
        await server.stop();
      }
    },
  };
}
