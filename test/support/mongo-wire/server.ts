/**
 * MongoDB wire-protocol TEST server.
 *
 * TEST INFRASTRUCTURE ONLY. Never import this from `lib/` or anything shipped: it exists so the
 * test suite can run the real `mongodb` driver against an in-memory server over loopback TCP on
 * machines where no MongoDB can be installed. Set MONGODB_URI to run the same tests against a
 * real MongoDB instead (see ../mongo.ts).
 *
 * What it does: speaks OP_QUERY (handshake only), OP_REPLY and OP_MSG (including kind-1 document
 * sequences); presents itself as a MongoDB 7.0 standalone (maxWireVersion 21) with sessions; runs
 * hello/ping/buildInfo/getParameter, insert/find/getMore/killCursors/update/delete/findAndModify,
 * aggregate/count/distinct, createIndexes/listIndexes/dropIndexes, listCollections/create/drop/
 * dropDatabase/listDatabases/renameCollection, endSessions/killSessions. Queries, projections,
 * aggregation and most update operators come from `mingo`. Unique indexes (compound, sparse,
 * partialFilterExpression, multikey) are enforced; TTL indexes are emulated against an injectable
 * clock before every command. Each command runs synchronously, so it is atomic with respect to
 * other connections. Fault switches simulate outages, dropped connections and latency.
 *
 * What it does NOT do:
 *   - transactions: commands with startTransaction / autocommit:false get IllegalOperation (code
 *     20), as on a real standalone; no retryable writes (a standalone does not advertise them)
 *   - number-type fidelity: int32/int64/double all become JS numbers (a Long beyond 2^53 stays a
 *     Long), so `$type: 'int'` vs `'double'`, NumberLong round trips and `$inc` result types are not
 *     faithful; Decimal128 is stored but not compared numerically
 *   - collation: refused with BadValue (except `{ locale: 'simple' }`) rather than silently ignored
 *   - real index plans: every query scans; indexes only enforce uniqueness and TTL; `hint` is
 *     ignored, `explain` is rejected; partialFilterExpression accepts any mingo query (a real
 *     server allows only a subset of operators)
 *   - auth/SCRAM, TLS, compression, replica sets, hello streaming / topologyVersion, change
 *     streams, read/write concerns (ignored), capped collections, schema validators, views, time
 *     series, text search, geo queries and indexes
 *   - `$out`/`$merge` stages, db-level aggregate (`aggregate: 1`), collStats/dbStats/serverStatus
 *   - `$type: 'objectId'` (mingo does not know it); mixed-type sort order follows mingo, which
 *     puts ObjectIds after every other type
 *   - maxTimeMS expiry, document size limits, field-name validation (`$`-prefixed or dotted keys)
 *   - exact MongoDB error messages (codes and codeNames are right for the common cases)
 *   - TTL timing: expired documents vanish before the next command, not in a 60 s background pass
 */
import net from 'node:net';
import type { Document } from 'bson';
import { Engine } from './engine.js';
import {
  encodeMsgReply,
  encodeQueryReply,
  FLAG_MORE_TO_COME,
  FrameReader,
  OP_QUERY,
  type ParsedCommand,
  parseFrame,
} from './protocol.js';

export interface WireServerOptions {
  /** default 0 = ephemeral; the host is always 127.0.0.1 */
  port?: number;
  /** injected clock used for TTL index emulation and $currentDate; default () => new Date() */
  now?: () => Date;
}

const HOST = '127.0.0.1';

function listen(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(port, HOST, () => {
      server.off('error', onError);
      resolve(server);
    });
  });
}

export class MongoWireServer {
  readonly port: number;
  readonly uri: string;
  /** every command received, in order: { db, name } where name is the command name, e.g. 'insert' */
  readonly commandLog: Array<{ db: string; name: string }> = [];

  private listener: net.Server | null;
  private readonly engine: Engine;
  private readonly sockets = new Set<net.Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private refusing = false;
  private stopped = false;
  private delayMs = 0;
  private nextConnectionId = 1;

  private constructor(listener: net.Server, engine: Engine) {
    const address = listener.address();
    if (address === null || typeof address === 'string') throw new Error('wire server: no TCP address');
    this.port = address.port;
    this.uri = `mongodb://${HOST}:${this.port}/?directConnection=true`;
    this.listener = listener;
    this.engine = engine;
    this.attach(listener);
  }

  static async start(options: WireServerOptions = {}): Promise<MongoWireServer> {
    const listener = await listen(options.port ?? 0);
    return new MongoWireServer(listener, new Engine(options.now ?? (() => new Date())));
  }

  clearCommandLog(): void {
    this.commandLog.length = 0;
  }

  setClock(now: () => Date): void {
    this.engine.setClock(now);
  }

  /**
   * On: stop listening (new connections get ECONNREFUSED) and destroy every open client socket, as
   * if the server went down. Off: listen again on the same port.
   */
  refuseConnections(on: boolean): void {
    if (this.stopped || on === this.refusing) return;
    this.refusing = on;
    if (on) {
      this.listener?.close();
      this.listener = null;
      this.dropConnections();
      return;
    }
    const listener = net.createServer();
    this.attach(listener);
    listener.listen(this.port, HOST);
    this.listener = listener;
  }

  /** Destroys every open client socket now. */
  dropConnections(): void {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  /**
   * Resets every open client socket now (TCP RST instead of FIN), as a crashed host or a
   * middlebox would. Clients see ECONNRESET at once rather than an orderly end of stream.
   */
  resetConnections(): void {
    for (const socket of this.sockets) socket.resetAndDestroy();
    this.sockets.clear();
  }

  /** Delays every reply by ms (0 = none). Commands still execute on arrival; only the reply waits. */
  setDelay(ms: number): void {
    this.delayMs = Math.max(0, ms);
  }

  dropAllDatabases(): void {
    this.engine.dropAllDatabases();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.dropConnections();
    const listener = this.listener;
    this.listener = null;
    if (listener) await new Promise<void>((resolve) => listener.close(() => resolve()));
  }

  private attach(listener: net.Server): void {
    listener.on('connection', (socket) => this.accept(socket));
    listener.on('error', (err) => {
      console.error(`MongoWireServer on port ${this.port}: listener error: ${err.message}`);
    });
  }

  private accept(socket: net.Socket): void {
    if (this.refusing || this.stopped) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    this.sockets.add(socket);
    const conn = { connectionId: this.nextConnectionId++ };
    const reader = new FrameReader();
    socket.on('error', () => {
      // client resets are expected (driver shutdown, fault tests)
    });
    socket.on('close', () => {
      this.sockets.delete(socket);
    });
    socket.on('data', (data: Buffer) => {
      let frames: Buffer[];
      try {
        frames = reader.push(data);
      } catch {
        socket.destroy();
        return;
      }
      for (const frame of frames) {
        if (socket.destroyed) return;
        let parsed: ParsedCommand;
        try {
          parsed = parseFrame(frame);
        } catch {
          socket.destroy();
          return;
        }
        this.commandLog.push({ db: parsed.db, name: Object.keys(parsed.command)[0] ?? '' });
        const reply = this.engine.run(parsed.db, parsed.command, conn);
        if (parsed.opCode !== OP_QUERY && (parsed.flags & FLAG_MORE_TO_COME) !== 0) continue;
        this.send(socket, this.encode(parsed, reply));
      }
    });
  }

  private encode(parsed: ParsedCommand, reply: Document): Buffer {
    const encode = parsed.opCode === OP_QUERY ? encodeQueryReply : encodeMsgReply;
    try {
      return encode(parsed.requestId, reply);
    } catch (err) {
      const errmsg = `wire test server could not encode the reply: ${err instanceof Error ? err.message : String(err)}`;
      return encode(parsed.requestId, { ok: 0, errmsg, code: 2, codeName: 'BadValue' });
    }
  }

  private send(socket: net.Socket, bytes: Buffer): void {
    const write = (): void => {
      if (socket.destroyed || !socket.writable) return;
      try {
        socket.write(bytes);
      } catch {
        socket.destroy();
      }
    };
    if (this.delayMs <= 0) {
      write();
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      write();
    }, this.delayMs);
    this.timers.add(timer);
  }
}
