/**
 * How the CLI (and the example app) turn `MONGODB_URI` and `MONGODB_DB` into
 * a connected {@link Store}.
 *
 * @module
 */
import { type Db, MongoClient, type MongoClientOptions, MongoServerError } from 'mongodb';
import { SsprError } from '../errors.js';
import { mongoStore } from '../store/mongodb/index.js';
import type { Store } from '../store/types.js';
import { CliFailure, UsageError } from './errors.js';

/** The database used when neither `MONGODB_DB` nor the connection string names one. */
export const DEFAULT_DATABASE = 'express-sspr';

/** How long the CLI waits to find a server, unless the connection string sets `serverSelectionTimeoutMS`. */
export const CLI_SERVER_SELECTION_TIMEOUT_MS = 5000;

/** The parts of a connection string the CLI needs, found without the driver. */
interface UriParts {
  /** `mongodb://` or `mongodb+srv://` (whatever precedes the hosts). */
  scheme: string;
  /** `user:password`, or null. */
  userinfo: string | null;
  hosts: string;
  /** The path after the hosts, without its leading `/` (not decoded). */
  path: string;
  /** The query string without its `?`, or null. */
  query: string | null;
}

function splitUri(uri: string): UriParts {
  const schemeEnd = uri.indexOf('://');
  const scheme = schemeEnd === -1 ? '' : uri.slice(0, schemeEnd + 3);
  const rest = uri.slice(scheme.length);
  const queryStart = rest.indexOf('?');
  const beforeQuery = queryStart === -1 ? rest : rest.slice(0, queryStart);
  const query = queryStart === -1 ? null : rest.slice(queryStart + 1);
  // A valid connection string has no unescaped `/`, `?` or `@` in its user name or password.
  const slash = beforeQuery.indexOf('/');
  const authority = slash === -1 ? beforeQuery : beforeQuery.slice(0, slash);
  const path = slash === -1 ? '' : beforeQuery.slice(slash + 1);
  const at = authority.lastIndexOf('@');
  return {
    scheme,
    userinfo: at === -1 ? null : authority.slice(0, at),
    hosts: at === -1 ? authority : authority.slice(at + 1),
    path,
    query,
  };
}

function queryParameters(query: string | null): Array<[string, string]> {
  if (query === null || query === '') return [];
  return query.split('&').map((pair) => {
    const equals = pair.indexOf('=');
    return equals === -1 ? [pair, ''] : [pair.slice(0, equals), pair.slice(equals + 1)];
  });
}

// Query options that can carry a secret (AWS session tokens live in authMechanismProperties).
const SECRET_QUERY_KEY = /pass|secret|token|authmechanismproperties/i;

/**
 * The connection string with its password (and any secret-bearing query
 * option) replaced by `***`, safe to print: `mongodb://app:***@db.example.com/app`.
 */
export function redactUri(uri: string): string {
  const parts = splitUri(uri);
  let userinfo = '';
  if (parts.userinfo !== null) {
    const colon = parts.userinfo.indexOf(':');
    userinfo = `${colon === -1 ? parts.userinfo : `${parts.userinfo.slice(0, colon)}:***`}@`;
  }
  const path = parts.path === '' && parts.query === null ? '' : `/${parts.path}`;
  const query =
    parts.query === null
      ? ''
      : `?${queryParameters(parts.query)
          .map(([key, value]) =>
            SECRET_QUERY_KEY.test(key) ? `${key}=***` : value === '' ? key : `${key}=${value}`,
          )
          .join('&')}`;
  return `${parts.scheme}${userinfo}${parts.hosts}${path}${query}`;
}

/**
 * The database to use: `MONGODB_DB` when set and not empty, else the database
 * in the connection string's path (`mongodb://host/app` → `app`), else
 * `express-sspr`.
 *
 * @param uri - a MongoDB connection string (`mongodb://` or `mongodb+srv://`).
 * @param env - the environment; only `MONGODB_DB` is read.
 */
export function databaseName(uri: string, env: Record<string, string | undefined>): string {
  const fromEnv = env.MONGODB_DB?.trim();
  if (fromEnv) return fromEnv;
  const path = splitUri(uri).path;
  if (path !== '') {
    try {
      return decodeURIComponent(path);
    } catch {
      return path;
    }
  }
  return DEFAULT_DATABASE;
}

/**
 * The `MongoClient` options the CLI uses: a 5 s server selection timeout,
 * unless the connection string sets `serverSelectionTimeoutMS` itself (the
 * driver would otherwise let this option win over the string).
 */
export function cliClientOptions(uri: string): MongoClientOptions {
  const setInUri = queryParameters(splitUri(uri).query).some(
    ([key]) => key.toLowerCase() === 'serverselectiontimeoutms',
  );
  return setInUri ? {} : { serverSelectionTimeoutMS: CLI_SERVER_SELECTION_TIMEOUT_MS };
}

/** An open store and the client behind it. */
export interface CliConnection {
  store: Store;
  /** The connection string with the password redacted, for messages. */
  displayUri: string;
  /** Closes the client; never throws. */
  close(): Promise<void>;
}

const AUTHENTICATION_FAILED = 18;

/** MongoDB's rule for database names: 1 to 63 bytes, none of `/\. "$` or NUL. */
const VALID_DATABASE_NAME = /^[^/\\. "$\0]{1,63}$/;

/**
 * One line describing a database failure, without driver text beyond a
 * server error's code name: `cannot reach MongoDB at <uri>` when no server
 * answered, `MongoDB at <uri> refused the request (Unauthorized)` when one did.
 */
export function describeDatabaseFailure(error: unknown, displayUri: string): string {
  const cause = error instanceof SsprError ? error.cause : error;
  if (cause instanceof MongoServerError) {
    if (cause.code === AUTHENTICATION_FAILED) return `MongoDB at ${displayUri} rejected the credentials`;
    const name =
      typeof cause.codeName === 'string' && /^\w{1,64}$/.test(cause.codeName) ? cause.codeName : cause.code;
    return `MongoDB at ${displayUri} refused the request (${String(name ?? 'error')})`;
  }
  return `cannot reach MongoDB at ${displayUri}`;
}

/**
 * Connects to `uri`, opens the database chosen by {@link databaseName} as a
 * {@link mongoStore} and prepares it (`init()`, which creates the indexes).
 * Throws a {@link UsageError} when `uri` is not a connection string or the
 * database name is not valid, and a {@link CliFailure} (`cannot reach MongoDB
 * at <uri>`, password redacted) when the server cannot be reached; the client
 * is closed in every such case.
 */
export async function connectCli(
  uri: string,
  env: Record<string, string | undefined>,
): Promise<CliConnection> {
  const displayUri = redactUri(uri);
  let client: MongoClient;
  try {
    client = new MongoClient(uri, cliClientOptions(uri));
  } catch {
    // The driver's message may quote the string, password included.
    throw new UsageError('MONGODB_URI is not a valid MongoDB connection string', null, false);
  }
  const close = async () => {
    try {
      await client.close();
    } catch {
      // Nothing more to do: the command has finished or failed already.
    }
  };
  const name = databaseName(uri, env);
  let db: Db | null = null;
  if (VALID_DATABASE_NAME.test(name) && Buffer.byteLength(name) <= 63) {
    try {
      db = client.db(name);
    } catch {
      db = null;
    }
  }
  if (db === null) {
    await close();
    throw new UsageError(
      `${JSON.stringify(name)} is not a valid MongoDB database name (at most 63 bytes, none of /\\. "$)`,
      null,
      false,
    );
  }
  try {
    await client.connect();
    const store = mongoStore(db);
    await store.init();
    return { store, displayUri, close };
  } catch (error) {
    await close();
    throw new CliFailure([describeDatabaseFailure(error, displayUri)]);
  }
}
