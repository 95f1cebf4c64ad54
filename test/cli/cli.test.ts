import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { PasswordPolicy } from '../../lib/accounts/password-policy.js';
import { runCli } from '../../lib/cli/index.js';
import { cliClientOptions, databaseName, redactUri } from '../../lib/cli/mongo.js';
import { mongoStore } from '../../lib/store/mongodb/index.js';
import type { Store } from '../../lib/store/types.js';
import { type MongoTarget, openMongo } from '../support/mongo.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const UNREACHABLE = 'mongodb://admin:hunter2@127.0.0.1:1/?directConnection=true&serverSelectionTimeoutMS=500';
const PASSWORD = 'violet-kettle-harbour-42';

interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with captured output. */
async function run(
  argv: string[],
  options: { env?: Record<string, string | undefined>; stdin?: string } = {},
): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const status = await runCli(argv, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    env: options.env ?? {},
    readStdin: async () => options.stdin ?? '',
  });
  return { status, stdout, stderr };
}

function lines(text: string): string[] {
  return text.split('\n').filter((line) => line !== '');
}

const COMMANDS = [
  ['users', 'create'],
  ['users', 'list'],
  ['users', 'add-group'],
  ['users', 'remove-group'],
  ['users', 'set-roles'],
  ['policy', 'show'],
  ['policy', 'set'],
  ['audit'],
];

describe('express-sspr CLI: help and usage', () => {
  it('--help exits 0', async () => {
    assert.equal((await run(['--help'])).status, 0);
  });

  it('--help lists every command', async () => {
    const { stdout } = await run(['--help']);
    for (const command of COMMANDS) assert.match(stdout, new RegExp(`^  ${command.join(' ')} `, 'm'));
  });

  it('--help documents the exit statuses', async () => {
    const { stdout } = await run(['--help']);
    assert.match(stdout, /Exit status:\n {2}0 {2}success\n {2}1 .*\n.*\n {2}2 {2}usage error/);
  });

  it('-h prints the same help as --help', async () => {
    assert.equal((await run(['-h'])).stdout, (await run(['--help'])).stdout);
  });

  it('help prints the same help as --help', async () => {
    assert.equal((await run(['help'])).stdout, (await run(['--help'])).stdout);
  });

  it('help writes nothing on stderr', async () => {
    assert.equal((await run(['help'])).stderr, '');
  });

  for (const command of COMMANDS) {
    it(`${command.join(' ')} --help exits 0 with its usage`, async () => {
      const result = await run([...command, '--help']);
      assert.deepEqual(
        {
          status: result.status,
          usage: result.stdout.startsWith(`Usage: express-sspr ${command.join(' ')}`),
        },
        { status: 0, usage: true },
      );
    });
  }

  it('help users create prints the users create help', async () => {
    assert.equal(
      (await run(['help', 'users', 'create'])).stdout,
      (await run(['users', 'create', '-h'])).stdout,
    );
  });

  it('users --help lists the users commands', async () => {
    const { stdout } = await run(['users', '--help']);
    assert.match(stdout, /users add-group .*\n {2}users remove-group/);
  });

  it('no command exits 2', async () => {
    assert.equal((await run([])).status, 2);
  });

  it('an unknown command exits 2', async () => {
    assert.equal((await run(['frobnicate'])).status, 2);
  });

  it('an unknown command prints an error line and the usage on stderr', async () => {
    const { stderr } = await run(['frobnicate']);
    assert.match(stderr, /^express-sspr: unknown command "frobnicate"\n\nUsage: express-sspr <command>/);
  });

  it('an unknown subcommand exits 2', async () => {
    assert.equal((await run(['users', 'delete', 'a@example.com'])).status, 2);
  });

  it('an unknown option exits 2 and names it', async () => {
    const result = await run(['users', 'list', '--colour'], { env: { MONGODB_URI: UNREACHABLE } });
    assert.deepEqual(
      { status: result.status, named: result.stderr.includes("'--colour'") },
      { status: 2, named: true },
    );
  });

  it('a missing MONGODB_URI exits 2', async () => {
    assert.equal((await run(['users', 'list'])).status, 2);
  });

  it('a missing MONGODB_URI says so on stderr', async () => {
    const { stderr } = await run(['policy', 'show']);
    assert.match(stderr, /^express-sspr: MONGODB_URI is not set/);
  });

  it('users create without a password source exits 2 asking for --password-stdin', async () => {
    const result = await run(['users', 'create', '--email', 'ada@example.com'], {
      env: { MONGODB_URI: UNREACHABLE },
    });
    assert.deepEqual(
      {
        status: result.status,
        asks: result.stderr.includes('pass the password on standard input with --password-stdin'),
      },
      { status: 2, asks: true },
    );
  });

  it('users create without --email exits 2', async () => {
    const result = await run(['users', 'create', '--password-stdin'], {
      env: { MONGODB_URI: UNREACHABLE },
      stdin: `${PASSWORD}\n`,
    });
    assert.equal(result.status, 2);
  });

  it('users list --limit 0 exits 2', async () => {
    assert.equal(
      (await run(['users', 'list', '--limit', '0'], { env: { MONGODB_URI: UNREACHABLE } })).status,
      2,
    );
  });

  it('users list --limit 1001 exits 2', async () => {
    assert.equal(
      (await run(['users', 'list', '--limit', '1001'], { env: { MONGODB_URI: UNREACHABLE } })).status,
      2,
    );
  });

  it('audit --since with a bad date exits 2', async () => {
    assert.equal(
      (await run(['audit', '--since', 'yesterday'], { env: { MONGODB_URI: UNREACHABLE } })).status,
      2,
    );
  });

  it('audit --limit 501 exits 2', async () => {
    assert.equal((await run(['audit', '--limit', '501'], { env: { MONGODB_URI: UNREACHABLE } })).status, 2);
  });

  it('policy set bogus exits 2', async () => {
    assert.equal((await run(['policy', 'set', 'bogus'], { env: { MONGODB_URI: UNREACHABLE } })).status, 2);
  });

  it('policy set bogus names the enabled field', async () => {
    const { stderr } = await run(['policy', 'set', 'bogus'], { env: { MONGODB_URI: UNREACHABLE } });
    assert.match(stderr, /^express-sspr: enabled must be one of none, selected, all \(got "bogus"\)/);
  });

  it('policy set selected without --group exits 2', async () => {
    assert.equal((await run(['policy', 'set', 'selected'], { env: { MONGODB_URI: UNREACHABLE } })).status, 2);
  });

  it('policy set selected without --group names the groups field', async () => {
    const { stderr } = await run(['policy', 'set', 'selected'], { env: { MONGODB_URI: UNREACHABLE } });
    assert.match(stderr, /^express-sspr: groups must name at least one group/);
  });

  it('policy set all --group exits 2', async () => {
    assert.equal(
      (await run(['policy', 'set', 'all', '--group', 'pilot'], { env: { MONGODB_URI: UNREACHABLE } })).status,
      2,
    );
  });

  it('policy set without a scope exits 2', async () => {
    assert.equal((await run(['policy', 'set'], { env: { MONGODB_URI: UNREACHABLE } })).status, 2);
  });
});

describe('express-sspr CLI: connection settings', () => {
  it('databaseName prefers MONGODB_DB', () => {
    assert.equal(databaseName('mongodb://h/app', { MONGODB_DB: 'other' }), 'other');
  });

  it('databaseName takes the database in the URI path', () => {
    assert.equal(databaseName('mongodb://u:p@h1:1,h2:2/app?replicaSet=rs0', {}), 'app');
  });

  it('databaseName falls back to express-sspr', () => {
    assert.equal(databaseName('mongodb://127.0.0.1:27017/?directConnection=true', {}), 'express-sspr');
  });

  it('databaseName ignores an empty MONGODB_DB', () => {
    assert.equal(databaseName('mongodb+srv://cluster.example.net/app', { MONGODB_DB: '' }), 'app');
  });

  it('redactUri hides the password', () => {
    assert.equal(
      redactUri('mongodb://app:s3cr%40t@db.example.com:27017/app'),
      'mongodb://app:***@db.example.com:27017/app',
    );
  });

  it('redactUri hides secret query options', () => {
    assert.equal(
      redactUri(
        'mongodb+srv://c.example.net/?authMechanism=MONGODB-AWS&authMechanismProperties=AWS_SESSION_TOKEN:abc',
      ),
      'mongodb+srv://c.example.net/?authMechanism=MONGODB-AWS&authMechanismProperties=***',
    );
  });

  it('redactUri leaves a URI without credentials alone', () => {
    assert.equal(redactUri('mongodb://127.0.0.1:27017'), 'mongodb://127.0.0.1:27017');
  });

  it('the client waits 5 s for a server by default', () => {
    assert.deepEqual(cliClientOptions('mongodb://127.0.0.1/'), { serverSelectionTimeoutMS: 5000 });
  });

  it('the client honours serverSelectionTimeoutMS in the URI', () => {
    assert.deepEqual(cliClientOptions('mongodb://127.0.0.1/?serverselectiontimeoutms=500'), {});
  });
});

describe('express-sspr CLI: bad connection settings', () => {
  it('a MONGODB_URI that is not a connection string exits 2', async () => {
    assert.equal(
      (await run(['policy', 'show'], { env: { MONGODB_URI: 'http://u:pw@example.com' } })).status,
      2,
    );
  });

  it('a MONGODB_URI that is not a connection string is not echoed', async () => {
    const { stderr } = await run(['policy', 'show'], { env: { MONGODB_URI: 'http://u:pw@example.com' } });
    assert.equal(stderr, 'express-sspr: MONGODB_URI is not a valid MongoDB connection string\n');
  });

  it('an invalid MONGODB_DB exits 2', async () => {
    const env = { MONGODB_URI: UNREACHABLE, MONGODB_DB: 'a/b' };
    assert.equal((await run(['policy', 'show'], { env })).status, 2);
  });
});

describe('express-sspr CLI: database unreachable', () => {
  let result: Run;
  before(async () => {
    result = await run(['policy', 'show'], { env: { MONGODB_URI: UNREACHABLE } });
  });

  it('exits 1', () => {
    assert.equal(result.status, 1);
  });

  it('prints only the redacted URI in one line', () => {
    assert.equal(
      result.stderr,
      'express-sspr: cannot reach MongoDB at mongodb://admin:***@127.0.0.1:1/?directConnection=true&serverSelectionTimeoutMS=500\n',
    );
  });

  it('prints nothing on stdout', () => {
    assert.equal(result.stdout, '');
  });
});

describe('express-sspr CLI against MongoDB', () => {
  let target: MongoTarget;
  const dbNames: string[] = [];

  before(async () => {
    target = await openMongo();
  });

  after(async () => {
    await target?.close();
  });

  afterEach(async () => {
    if (target?.kind !== 'real') return;
    while (dbNames.length > 0) await target.client.db(dbNames.pop()).dropDatabase();
  });

  /** A fresh database: the environment for the CLI and the store to check it with. */
  async function fresh(): Promise<{ env: Record<string, string>; store: Store }> {
    const name = `sspr_cli_${randomBytes(6).toString('hex')}`;
    dbNames.push(name);
    const store = mongoStore(target.client.db(name));
    await store.init();
    return { env: { MONGODB_URI: target.uri, MONGODB_DB: name }, store };
  }

  describe('users create and users list', () => {
    let created: Run;
    let listed: Run;
    let listedJson: Run;
    before(async () => {
      const { env } = await fresh();
      created = await run(
        [
          'users',
          'create',
          '--email',
          'Ada@Example.com',
          '--username',
          'ada',
          '--group',
          'pilot',
          '--role',
          'admin',
          '--password-stdin',
        ],
        { env, stdin: `${PASSWORD}\nignored second line\n` },
      );
      listed = await run(['users', 'list'], { env });
      listedJson = await run(['users', 'list', '--json'], { env });
    });

    it('create exits 0', () => {
      assert.equal(created.status, 0);
    });

    it('create prints the normalised email', () => {
      assert.match(created.stdout, /^email: +ada@example\.com$/m);
    });

    it('create prints the groups and roles', () => {
      assert.match(created.stdout, /^groups: +pilot\nroles: +admin$/m);
    });

    it('list exits 0', () => {
      assert.equal(listed.status, 0);
    });

    it('list shows a header and the account', () => {
      assert.match(
        listed.stdout,
        /^ID +EMAIL +USERNAME +GROUPS +ROLES\n\S+ +ada@example\.com +ada +pilot +admin\n$/,
      );
    });

    it('list --json prints one account a line without secrets', () => {
      const users = lines(listedJson.stdout).map((line) => JSON.parse(line));
      assert.deepEqual(
        users.map(({ id: _id, ...rest }) => rest),
        [
          {
            email: 'ada@example.com',
            username: 'ada',
            displayName: null,
            groups: ['pilot'],
            roles: ['admin'],
            emailVerified: false,
          },
        ],
      );
    });
  });

  describe('users create with a password from SSPR_PASSWORD', () => {
    let result: Run;
    let store: Store;
    before(async () => {
      const db = await fresh();
      store = db.store;
      result = await run(['users', 'create', '--email', 'grace@example.com', '--json'], {
        env: { ...db.env, SSPR_PASSWORD: PASSWORD },
      });
    });

    it('exits 0', () => {
      assert.equal(result.status, 0);
    });

    it('stores an argon2id hash', async () => {
      const user = await store.users.findByEmail('grace@example.com');
      assert.match(user?.passwordHash ?? '', /^\$argon2id\$/);
    });

    it('prints the account as JSON', () => {
      assert.equal(JSON.parse(result.stdout).email, 'grace@example.com');
    });

    it('records a user.created event with the actor cli', async () => {
      const events = await store.audit.query({ type: 'user.created', limit: 10 });
      assert.deepEqual(
        events.map((event) => event.actor),
        ['cli'],
      );
    });
  });

  describe('users create with a weak password', () => {
    let result: Run;
    let store: Store;
    const weak = 'ada';
    before(async () => {
      const db = await fresh();
      store = db.store;
      result = await run(['users', 'create', '--email', 'ada@example.com', '--password-stdin'], {
        env: db.env,
        stdin: `${weak}\n`,
      });
    });

    it('exits 1', () => {
      assert.equal(result.status, 1);
    });

    it('prints every reason on stderr', () => {
      const reasons = new PasswordPolicy()
        .check(weak, { email: 'ada@example.com', companyName: 'Your account' })
        .problems.map((problem) => `express-sspr: weak password: ${problem.message}`);
      assert.deepEqual(lines(result.stderr), reasons);
    });

    it('stores no account', async () => {
      assert.equal(await store.users.count(), 0);
    });
  });

  describe('users create twice', () => {
    let second: Run;
    before(async () => {
      const { env } = await fresh();
      await run(['users', 'create', '--email', 'ada@example.com', '--password-stdin'], {
        env,
        stdin: `${PASSWORD}\n`,
      });
      second = await run(['users', 'create', '--email', 'ADA@example.com', '--password-stdin'], {
        env,
        stdin: `${PASSWORD}\n`,
      });
    });

    it('exits 1 the second time', () => {
      assert.equal(second.status, 1);
    });

    it('says the account already exists', () => {
      assert.match(second.stderr, /^express-sspr: an account with that email\/username already exists/);
    });
  });

  describe('users create with an invalid email', () => {
    let result: Run;
    before(async () => {
      const { env } = await fresh();
      result = await run(['users', 'create', '--email', 'not an address', '--password-stdin'], {
        env,
        stdin: `${PASSWORD}\n`,
      });
    });

    it('exits 1', () => {
      assert.equal(result.status, 1);
    });

    it('prints the message', () => {
      assert.equal(result.stderr, 'express-sspr: email is not valid.\n');
    });
  });

  describe('users add-group, remove-group and set-roles', () => {
    let env: Record<string, string>;
    let store: Store;
    let id: string;
    before(async () => {
      ({ env, store } = await fresh());
      const created = await run(
        [
          'users',
          'create',
          '--email',
          'alan@example.com',
          '--username',
          'alan',
          '--json',
          '--password-stdin',
        ],
        { env, stdin: PASSWORD },
      );
      id = JSON.parse(created.stdout).id;
    });

    async function groups(): Promise<string[] | undefined> {
      return (await store.users.findById(id))?.groups;
    }

    it('add-group by email exits 0', async () => {
      assert.equal((await run(['users', 'add-group', 'alan@example.com', 'pilot'], { env })).status, 0);
    });

    it('add-group by username adds the group in the store', async () => {
      await run(['users', 'add-group', 'ALAN', 'helpdesk'], { env });
      assert.deepEqual(await groups(), ['pilot', 'helpdesk']);
    });

    it('remove-group by id removes the group in the store', async () => {
      await run(['users', 'remove-group', id, 'pilot'], { env });
      assert.deepEqual(await groups(), ['helpdesk']);
    });

    it('add-group for an unknown user exits 1', async () => {
      assert.equal((await run(['users', 'add-group', 'nobody@example.com', 'pilot'], { env })).status, 1);
    });

    it('add-group without a group exits 2', async () => {
      assert.equal((await run(['users', 'add-group', 'alan@example.com'], { env })).status, 2);
    });

    it('set-roles replaces the roles in the store', async () => {
      await run(['users', 'set-roles', 'alan', '--role', 'admin', '--role', 'auditor'], { env });
      assert.deepEqual((await store.users.findById(id))?.roles, ['admin', 'auditor']);
    });

    it('list --group shows only members', async () => {
      const { stdout } = await run(['users', 'list', '--group', 'pilot', '--json'], { env });
      assert.equal(stdout, '');
    });
  });

  describe('policy show on an empty database', () => {
    let result: Run;
    before(async () => {
      const { env } = await fresh();
      result = await run(['policy', 'show'], { env });
    });

    it('exits 0', () => {
      assert.equal(result.status, 0);
    });

    it('prints none', () => {
      assert.match(result.stdout, /^enabled: +none$/m);
    });

    it('prints that it was never changed', () => {
      assert.match(result.stdout, /^updatedAt: +never$/m);
    });
  });

  describe('policy set', () => {
    let env: Record<string, string>;
    let store: Store;
    let setAll: Run;
    before(async () => {
      ({ env, store } = await fresh());
      setAll = await run(['policy', 'set', 'all'], { env });
    });

    it('set all exits 0', () => {
      assert.equal(setAll.status, 0);
    });

    it('set all stores the policy', async () => {
      const policy = await store.policy.getPasswordResetPolicy();
      assert.deepEqual(
        { enabled: policy.enabled, updatedBy: policy.updatedBy },
        { enabled: 'all', updatedBy: 'cli' },
      );
    });

    it('set all prints the new policy', () => {
      assert.match(
        setAll.stdout,
        /^enabled: +all\ngroups: +-\nupdatedAt: +\d{4}-\d\d-\d\dT.*Z\nupdatedBy: +cli\n$/,
      );
    });

    it('set all records one policy.changed event', async () => {
      const events = await store.audit.query({ type: 'policy.changed', limit: 10 });
      assert.deepEqual(
        events.map((event) => event.data),
        [{ oldEnabled: 'none', oldGroups: [], newEnabled: 'all', newGroups: [] }],
      );
    });

    it('policy show --json reads it back', async () => {
      const { stdout } = await run(['policy', 'show', '--json'], { env });
      assert.deepEqual((({ updatedAt: _at, ...rest }) => rest)(JSON.parse(stdout)), {
        enabled: 'all',
        groups: [],
        updatedBy: 'cli',
      });
    });

    it('set selected with groups and an actor stores them', async () => {
      await run(['policy', 'set', 'selected', '--group', 'pilot', '--group', 'helpdesk', '--actor', 'ada'], {
        env,
      });
      const policy = await store.policy.getPasswordResetPolicy();
      assert.deepEqual(
        { enabled: policy.enabled, groups: policy.groups, updatedBy: policy.updatedBy },
        { enabled: 'selected', groups: ['pilot', 'helpdesk'], updatedBy: 'ada' },
      );
    });
  });

  describe('audit', () => {
    let env: Record<string, string>;
    let result: Run;
    before(async () => {
      ({ env } = await fresh());
      await run(['policy', 'set', 'all'], { env });
      await run(['policy', 'set', 'selected', '--group', 'pilot', '--actor', 'ada@example.com'], { env });
      await run(['users', 'create', '--email', 'ada@example.com', '--password-stdin'], {
        env,
        stdin: `${PASSWORD}\n`,
      });
      result = await run(['audit', '--type', 'policy.changed', '--limit', '5'], { env });
    });

    it('exits 0', () => {
      assert.equal(result.status, 0);
    });

    it('prints one line per event of the type', () => {
      assert.equal(lines(result.stdout).length, 2);
    });

    it('prints the newest first with time, type, userId, actor, ip and data', () => {
      assert.match(
        lines(result.stdout)[0] ?? '',
        /^\d{4}-\d\d-\d\dT\S+Z {2}policy\.changed {2}- {2}ada@example\.com {2}- {2}\{"oldEnabled":"all","oldGroups":\[\],"newEnabled":"selected","newGroups":\["pilot"\]\}$/,
      );
    });

    it('--limit 1 prints one event', async () => {
      const { stdout } = await run(['audit', '--limit', '1'], { env });
      assert.equal(lines(stdout).length, 1);
    });

    it('--json prints events as JSON lines', async () => {
      const { stdout } = await run(['audit', '--type', 'user.created', '--json'], { env });
      assert.deepEqual(
        lines(stdout).map((line) => JSON.parse(line).type),
        ['user.created'],
      );
    });

    it('--since in the future prints no events', async () => {
      const { stdout } = await run(['audit', '--since', '2999-01-01'], { env });
      assert.equal(stdout, 'No audit events.\n');
    });
  });

  describe('the real executable with --password-stdin', () => {
    let result: { code: number | null; stdout: string; stderr: string };
    let store: Store;
    before(async () => {
      const db = await fresh();
      store = db.store;
      result = await new Promise((resolve) => {
        const child = execFile(
          process.execPath,
          [
            '--import',
            'tsx',
            'lib/cli/main.ts',
            'users',
            'create',
            '--email',
            'kay@example.com',
            '--password-stdin',
          ],
          { cwd: ROOT, env: { ...process.env, ...db.env, SSPR_PASSWORD: '' }, timeout: 30_000 },
          (error, stdout, stderr) =>
            resolve({
              code: error ? (typeof error.code === 'number' ? error.code : null) : 0,
              stdout,
              stderr,
            }),
        );
        // Standard input stays open: the command must stop reading after the first line.
        child.stdin?.write(`${PASSWORD}\n`);
      });
    });

    it('exits 0 without waiting for the end of standard input', () => {
      assert.equal(result.code, 0, result.stderr);
    });

    it('creates the account', async () => {
      assert.equal((await store.users.findByEmail('kay@example.com'))?.email, 'kay@example.com');
    });
  });
});

describe('express-sspr CLI: the real executable', () => {
  let result: { code: number | null; stdout: string };
  before(async () => {
    result = await new Promise((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', 'lib/cli/main.ts', '--help'],
        { cwd: ROOT, timeout: 30_000 },
        (error, stdout) =>
          resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout }),
      );
    });
  });

  it('--help exits 0', () => {
    assert.equal(result.code, 0);
  });

  it('--help prints the usage', () => {
    assert.match(result.stdout, /^Usage: express-sspr <command> \[options\]\n/);
  });
});
