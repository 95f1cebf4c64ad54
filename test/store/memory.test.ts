import assert from 'node:assert/strict';
import { memoryStore } from '../../lib/store/memory/index.js';
import { ManualClock } from '../support/clock.js';
import { storeContract } from './contract.js';

const quiet = () => {};

describe('store contract: memoryStore()', () => {
  storeContract({
    async fresh() {
      const clock = new ManualClock();
      const store = memoryStore({ clock, warn: quiet });
      await store.init();
      return { store, clock, ttlFollowsClock: true };
    },
  });
});

describe('memoryStore() warning', () => {
  it('warns once that it is not for production', () => {
    const messages: string[] = [];
    const warn = (message: string) => messages.push(message);
    memoryStore({ warn });
    memoryStore({ warn });
    assert.equal(messages.length, 1);
    assert.match(messages[0] ?? '', /not for production/);
  });
});
