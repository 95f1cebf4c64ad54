/**
 * MongoDB wire-protocol framing for the TEST server in ./server.ts (test infrastructure only).
 *
 * Handles the three opcodes the Node driver uses against a standalone server:
 *   - OP_QUERY (2004): only for the legacy first handshake (`ismaster`/`hello` on `admin.$cmd`)
 *   - OP_REPLY (1):    the answer to an OP_QUERY
 *   - OP_MSG (2013):   every other command and its reply
 * OP_COMPRESSED (2012) is not supported (the server never advertises compression).
 */
import { type Document, deserialize, serialize } from 'bson';

export const OP_REPLY = 1;
export const OP_QUERY = 2004;
export const OP_MSG = 2013;

const HEADER_SIZE = 16;
/** Upper bound accepted for one frame (the advertised maxMessageSizeBytes plus headroom). */
export const MAX_FRAME_SIZE = 48_000_000 + 16 * 1024 * 1024;

const FLAG_CHECKSUM_PRESENT = 1 << 0;
export const FLAG_MORE_TO_COME = 1 << 1;

export class ProtocolError extends Error {}

export interface ParsedCommand {
  opCode: typeof OP_QUERY | typeof OP_MSG;
  requestId: number;
  /** OP_MSG flag bits (0 for OP_QUERY). */
  flags: number;
  /** the database the command addresses (`$db` for OP_MSG, the `<db>.$cmd` prefix for OP_QUERY) */
  db: string;
  /** the command document, with kind-1 document sequences merged in under their identifier */
  command: Document;
}

/**
 * Accumulates bytes from a stream socket and cuts them into whole frames.
 * Frames can be split across, or coalesced within, `data` events.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  /** Adds bytes; returns every complete frame now available. Throws ProtocolError on a bad length. */
  push(data: Buffer): Buffer[] {
    this.chunks.push(data);
    this.buffered += data.length;
    const frames: Buffer[] = [];
    while (this.buffered >= 4) {
      const head = this.peekHead();
      const length = head.readInt32LE(0);
      if (length < HEADER_SIZE || length > MAX_FRAME_SIZE) {
        throw new ProtocolError(`invalid messageLength ${length}`);
      }
      if (this.buffered < length) break;
      const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
      frames.push(all.subarray(0, length));
      const rest = all.subarray(length);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.buffered = rest.length;
    }
    return frames;
  }

  private peekHead(): Buffer {
    const first = this.chunks[0]!;
    if (first.length >= 4) return first;
    const merged = Buffer.concat(this.chunks, this.buffered);
    this.chunks = [merged];
    return merged;
  }
}

function readCString(buf: Buffer, offset: number, end: number): [string, number] {
  const zero = buf.indexOf(0, offset);
  if (zero < 0 || zero >= end) throw new ProtocolError('unterminated cstring');
  return [buf.toString('utf8', offset, zero), zero + 1];
}

function readDocument(buf: Buffer, offset: number, end: number): [Document, number] {
  if (offset + 5 > end) throw new ProtocolError('truncated BSON document');
  const size = buf.readInt32LE(offset);
  if (size < 5 || offset + size > end) throw new ProtocolError('bad BSON document size');
  const doc = deserialize(buf.subarray(offset, offset + size));
  return [doc, offset + size];
}

/** Parses one complete frame. Throws ProtocolError for anything malformed or unsupported. */
export function parseFrame(frame: Buffer): ParsedCommand {
  const length = frame.readInt32LE(0);
  const requestId = frame.readInt32LE(4);
  const opCode = frame.readInt32LE(12);
  if (length !== frame.length) throw new ProtocolError('frame length mismatch');

  if (opCode === OP_MSG) {
    const flags = frame.readUInt32LE(HEADER_SIZE);
    let end = frame.length;
    if (flags & FLAG_CHECKSUM_PRESENT) end -= 4;
    let offset = HEADER_SIZE + 4;
    let body: Document | undefined;
    const sequences: Array<[string, Document[]]> = [];
    while (offset < end) {
      const kind = frame.readUInt8(offset);
      offset += 1;
      if (kind === 0) {
        if (body) throw new ProtocolError('OP_MSG with two body sections');
        [body, offset] = readDocument(frame, offset, end);
      } else if (kind === 1) {
        if (offset + 4 > end) throw new ProtocolError('truncated document sequence');
        const size = frame.readInt32LE(offset);
        const seqEnd = offset + size;
        if (size < 5 || seqEnd > end) throw new ProtocolError('bad document sequence size');
        let identifier: string;
        [identifier, offset] = readCString(frame, offset + 4, seqEnd);
        const docs: Document[] = [];
        while (offset < seqEnd) {
          let doc: Document;
          [doc, offset] = readDocument(frame, offset, seqEnd);
          docs.push(doc);
        }
        sequences.push([identifier, docs]);
      } else {
        throw new ProtocolError(`unsupported OP_MSG section kind ${kind}`);
      }
    }
    if (!body) throw new ProtocolError('OP_MSG without body section');
    for (const [identifier, docs] of sequences) {
      const existing: unknown = body[identifier];
      body[identifier] = Array.isArray(existing) ? [...existing, ...docs] : docs;
    }
    const db = typeof body.$db === 'string' ? body.$db : 'admin';
    return { opCode: OP_MSG, requestId, flags, db, command: body };
  }

  if (opCode === OP_QUERY) {
    const [fullCollectionName, afterName] = readCString(frame, HEADER_SIZE + 4, frame.length); // after flags
    // skip numberToSkip and numberToReturn
    let [query] = readDocument(frame, afterName + 8, frame.length);
    const wrapped: unknown = query.$query;
    if (wrapped !== null && typeof wrapped === 'object' && !Array.isArray(wrapped))
      query = wrapped as Document;
    const dot = fullCollectionName.indexOf('.');
    const db = dot >= 0 ? fullCollectionName.slice(0, dot) : fullCollectionName;
    return { opCode: OP_QUERY, requestId, flags: 0, db, command: query };
  }

  throw new ProtocolError(`unsupported opCode ${opCode}`);
}

let nextRequestId = 1;

function header(length: number, responseTo: number, opCode: number): Buffer {
  const buf = Buffer.alloc(HEADER_SIZE);
  buf.writeInt32LE(length, 0);
  buf.writeInt32LE(nextRequestId, 4);
  nextRequestId = nextRequestId >= 0x7fffffff ? 1 : nextRequestId + 1;
  buf.writeInt32LE(responseTo, 8);
  buf.writeInt32LE(opCode, 12);
  return buf;
}

/** OP_MSG reply: flags 0 (never checksumPresent), one kind-0 section. */
export function encodeMsgReply(responseTo: number, doc: Document): Buffer {
  const body = Buffer.from(serialize(doc));
  const length = HEADER_SIZE + 4 + 1 + body.length;
  const prefix = Buffer.alloc(5); // flagBits = 0, section kind = 0
  return Buffer.concat([header(length, responseTo, OP_MSG), prefix, body], length);
}

/** OP_REPLY (answer to OP_QUERY): responseFlags, cursorId (0), startingFrom, numberReturned, doc. */
export function encodeQueryReply(responseTo: number, doc: Document): Buffer {
  const body = Buffer.from(serialize(doc));
  const fields = Buffer.alloc(20);
  fields.writeInt32LE(0, 0); // responseFlags
  fields.writeBigInt64LE(0n, 4); // cursorId
  fields.writeInt32LE(0, 12); // startingFrom
  fields.writeInt32LE(1, 16); // numberReturned
  const length = HEADER_SIZE + fields.length + body.length;
  return Buffer.concat([header(length, responseTo, OP_REPLY), fields, body], length);
}
