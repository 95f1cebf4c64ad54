// Checks what `npm pack` would publish and that the built package loads from
// ESM and from CommonJS with the same public API. Run after `npm run build`.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const fail = (message) => {
  console.error(`package check: ${message}`);
  process.exit(1);
};

const [pack] = JSON.parse(
  execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { encoding: 'utf8' }),
);
const files = pack.files.map((file) => file.path).sort();
const allowed = /^(dist\/.+\.(js|cjs|d\.ts|d\.cts|map)|README\.md|LICENSE|CHANGELOG\.md|package\.json)$/;
const unexpected = files.filter((file) => !allowed.test(file));
if (unexpected.length > 0) fail(`unexpected files in the package: ${unexpected.join(', ')}`);
for (const needed of [
  'dist/index.js',
  'dist/index.cjs',
  'dist/index.d.ts',
  'dist/index.d.cts',
  'dist/node-rs-hasher.js',
  'dist/node-rs-hasher.cjs',
  'dist/cli/main.js',
  'README.md',
  'LICENSE',
  'CHANGELOG.md',
]) {
  if (!files.includes(needed)) fail(`missing ${needed}`);
}

const esm = await import(pathToFileURL(`${process.cwd()}/dist/index.js`).href);
const cjs = createRequire(import.meta.url)(`${process.cwd()}/dist/index.cjs`);
const expected = [
  'createIdentity',
  'memoryStore',
  'mongoStore',
  'nodemailerMailer',
  'SsprError',
  'argon2Hasher',
];
for (const name of expected) {
  if (typeof esm[name] !== 'function') fail(`ESM build lacks ${name}`);
  if (typeof cjs[name] !== 'function') fail(`CommonJS build lacks ${name}`);
}
const esmKeys = Object.keys(esm)
  .filter((key) => key !== 'default')
  .sort()
  .join(',');
const cjsKeys = Object.keys(cjs).sort().join(',');
if (esmKeys !== cjsKeys) fail(`ESM and CommonJS exports differ:\n${esmKeys}\n${cjsKeys}`);
const nodeRs = await import(pathToFileURL(`${process.cwd()}/dist/node-rs-hasher.js`).href);
if (typeof nodeRs.nodeRsArgon2Hasher !== 'function')
  fail('express-sspr/node-rs-hasher lacks nodeRsArgon2Hasher');
const cli = execFileSync(process.execPath, ['dist/cli/main.js', '--help'], { encoding: 'utf8' });
if (!cli.includes('Usage: express-sspr')) fail('the CLI does not print its usage');
console.log(
  `package check: ${files.length} files, ${esmKeys.split(',').length} exports from ESM and CommonJS, CLI runs`,
);
