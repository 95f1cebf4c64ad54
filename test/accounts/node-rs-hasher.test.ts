import assert from 'node:assert/strict';
import { argon2Hasher } from '../../lib/accounts/hasher.js';
import { nodeRsArgon2Hasher } from '../../lib/accounts/node-rs-hasher.js';

const PASSWORD = 'pale-Orbit-7-quartz-Lantern-ü';

describe('nodeRsArgon2Hasher', () => {
  const nodeRs = nodeRsArgon2Hasher();
  const argon2 = argon2Hasher();
  let nodeRsHash: string;
  let argon2Hash: string;

  before(async () => {
    nodeRsHash = await nodeRs.hash(PASSWORD);
    argon2Hash = await argon2.hash(PASSWORD);
  });

  it('hashes with argon2id at the default parameters (m=19456, t=2, p=1)', () => {
    assert.match(nodeRsHash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[^$]+\$[^$]+$/);
  });

  it('verifies the right password', async () => {
    assert.equal(await nodeRs.verify(nodeRsHash, PASSWORD), true);
  });

  it('rejects a wrong password', async () => {
    assert.equal(await nodeRs.verify(nodeRsHash, `${PASSWORD}x`), false);
  });

  it('verifies a hash made by argon2Hasher', async () => {
    assert.equal(await nodeRs.verify(argon2Hash, PASSWORD), true);
  });

  it('makes hashes argon2Hasher verifies', async () => {
    assert.equal(await argon2.verify(nodeRsHash, PASSWORD), true);
  });

  it('answers false for a hash it cannot read, without throwing', async () => {
    assert.equal(await nodeRs.verify('not a hash', PASSWORD), false);
  });

  it('does not ask to rehash a hash at the current parameters, from either library', () => {
    assert.deepEqual([nodeRs.needsRehash(nodeRsHash), nodeRs.needsRehash(argon2Hash)], [false, false]);
  });

  it('asks to rehash a hash with other parameters, as argon2Hasher does', async () => {
    const weaker = await nodeRsArgon2Hasher({ memoryCost: 4096, timeCost: 1 }).hash(PASSWORD);
    assert.deepEqual([nodeRs.needsRehash(weaker), argon2.needsRehash(weaker)], [true, true]);
  });

  it('asks to rehash anything that is not argon2id', () => {
    const others = ['$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA', '$2b$10$abcdefghijklmnopqrstuv', 'x'];
    assert.deepEqual(
      others.map((hash) => nodeRs.needsRehash(hash)),
      [true, true, true],
    );
  });

  it('throws a TypeError for a parameter that is not a positive integer', () => {
    assert.throws(() => nodeRsArgon2Hasher({ timeCost: 0 }), TypeError);
  });

  it('throws a TypeError for less than 8 KiB of memory per lane', () => {
    assert.throws(() => nodeRsArgon2Hasher({ memoryCost: 8, parallelism: 2 }), TypeError);
  });
});
