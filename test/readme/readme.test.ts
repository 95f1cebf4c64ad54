import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');

/** The fenced code blocks of a language in the README, with the line each starts on. */
function codeBlocks(markdown: string, language: string): Array<{ line: number; code: string }> {
  const blocks: Array<{ line: number; code: string }> = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const open = /^(\s*)```(\w+)\s*$/.exec(lines[i] ?? '');
    if (!open || open[2] !== language) continue;
    const indent = open[1]?.length ?? 0;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !/^\s*```\s*$/.test(lines[j] ?? ''); j += 1)
      body.push((lines[j] ?? '').slice(indent));
    blocks.push({ line: i + 1, code: `${body.join('\n')}\n` });
    i = j;
  }
  return blocks;
}

describe('README code samples', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const samples = codeBlocks(readme, 'ts');
  const dir = join(root, 'test-results', 'readme-samples');

  before(() => {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
  });

  it('has TypeScript samples to check', () => {
    assert.ok(samples.length >= 2, `found ${samples.length}`);
  });

  it('compiles every TypeScript sample against the library under strict settings', async () => {
    const files = samples.map((sample, index) => {
      const file = join(dir, `sample-${index + 1}-line-${sample.line}.ts`);
      writeFileSync(file, `${sample.code}export {};\n`);
      return file;
    });
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        extends: '../../tsconfig.json',
        compilerOptions: {
          noEmit: true,
          types: ['node'],
          baseUrl: '../..',
          paths: {
            'express-sspr': ['lib/index.ts'],
            'express-sspr/node-rs-hasher': ['lib/accounts/node-rs-hasher.ts'],
          },
        },
        include: [],
        files: files.map((file) => file.slice(dir.length + 1)),
      }),
    );
    try {
      await run(
        process.execPath,
        [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.json')],
        {
          cwd: root,
        },
      );
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: string; stderr?: string };
      assert.fail(`README samples do not compile:\n${stdout ?? ''}${stderr ?? ''}`);
    }
  });

  it('runs every sample that needs no outside service (memory store, no server)', async () => {
    const runnable = samples.filter(
      (sample) => /memoryStore\(/.test(sample.code) && !/mongodb|listen\(|createTransport/.test(sample.code),
    );
    assert.ok(runnable.length >= 1);
    for (const sample of runnable) {
      const file = join(dir, `run-${sample.line}.ts`);
      const source = sample.code
        .replaceAll(
          "from 'express-sspr/node-rs-hasher'",
          `from '${join(root, 'lib/accounts/node-rs-hasher.ts')}'`,
        )
        .replaceAll("from 'express-sspr'", `from '${join(root, 'lib/index.ts')}'`);
      writeFileSync(file, `${source}\nawait idp.close();\nconsole.log('sample ran');\n`);
      const { stdout } = await run(process.execPath, ['--import', 'tsx', file], { cwd: root });
      assert.match(stdout, /sample ran/, `README sample at line ${sample.line}`);
    }
  });
});
