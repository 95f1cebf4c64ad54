import assert from 'node:assert/strict';
import {
  COMMON_PASSWORD_COUNT,
  PASSWORD_PROBLEM_CODES,
  type PasswordCheck,
  type PasswordContext,
  PasswordPolicy,
  type PasswordPolicyOptions,
} from '../../lib/accounts/password-policy.js';

const nist = new PasswordPolicy();
const azure = new PasswordPolicy('azure-b2c-strong');

function codes(result: PasswordCheck): string[] {
  return result.problems.map((problem) => problem.code);
}

/** A non-dictionary password of exactly `length` ASCII characters. */
function passwordOfLength(length: number): string {
  return 'mzq7vkpwX3'.repeat(Math.ceil(length / 10)).slice(0, length);
}

describe('PasswordPolicy defaults (nist)', () => {
  it('uses the nist preset when given no options', () => {
    assert.deepEqual(
      {
        minLength: nist.minLength,
        maxLength: nist.maxLength,
        minCharacterClasses: nist.minCharacterClasses,
        rejectCommon: nist.rejectCommon,
        rejectContext: nist.rejectContext,
      },
      PasswordPolicy.presets.nist,
    );
  });

  it('rejects 7 characters as too_short', () => {
    assert.deepEqual(codes(nist.check('mzq7vkp')), ['too_short']);
  });

  it('accepts 8 characters', () => {
    assert.equal(nist.check('mzq7vkpw').ok, true);
  });

  it('accepts 128 characters', () => {
    assert.equal(nist.check(passwordOfLength(128)).ok, true);
  });

  it('rejects 129 characters with only too_long', () => {
    assert.deepEqual(codes(nist.check(passwordOfLength(129))), ['too_long']);
  });

  it('always accepts a 64-character password', () => {
    assert.equal(nist.check(passwordOfLength(64)).ok, true);
  });

  it('has no composition rules', () => {
    assert.equal(nist.check('correct horse battery staple').ok, true);
  });

  it('allows spaces and non-Latin letters', () => {
    assert.equal(nist.check('пароль для входа').ok, true);
  });
});

describe('PasswordPolicy length in code points', () => {
  it('counts each emoji as one character (7 emoji are too short)', () => {
    assert.deepEqual(codes(nist.check('😀'.repeat(7))), ['too_short']);
  });

  it('accepts 128 emoji although they are 256 UTF-16 units', () => {
    assert.equal(nist.check('😀'.repeat(128)).ok, true);
  });

  it('counts length after NFKC, so a decomposed accent is one character', () => {
    // 'e' + U+0301 composes to 'é': 14 UTF-16 units, 7 code points after NFKC.
    assert.deepEqual(codes(nist.check('kde\u0301te\u0301mz')), ['too_short']);
  });

  it('counts length after NFKC expansion (U+FDFA becomes 18 code points)', () => {
    assert.deepEqual(codes(new PasswordPolicy({ maxLength: 17 }).check('\uFDFA')), ['too_long']);
  });

  it('accepts input that shrinks under NFKC by more than 4 UTF-16 units per code point', function () {
    // U+16126 (Gurung Khema, Unicode 16) decomposes into three supplementary code points (6 units).
    const decomposed = String.fromCodePoint(0x16126).normalize('NFD');
    if (decomposed.length !== 6) this.skip();
    assert.equal(nist.check(decomposed.repeat(128)).ok, true);
  });
});

describe('PasswordPolicy NFKC normalisation', () => {
  it('rejects fullwidth ｐａｓｓｗｏｒｄ as common', () => {
    assert.deepEqual(codes(nist.check('ｐａｓｓｗｏｒｄ')), ['common']);
  });

  it('returns the normalized value', () => {
    assert.equal(nist.check('ｐａｓｓｗｏｒｄ').normalized, 'password');
  });

  it('returns the composed form of decomposed text', () => {
    assert.equal(nist.check('cre\u0300me brule\u0301e').normalized, 'crème brulée');
  });

  it('exposes normalize() as NFKC', () => {
    assert.equal(nist.normalize('ﬁnance①'), 'finance1');
  });
});

describe('PasswordPolicy common passwords', () => {
  for (const password of ['password', 'Password', '123456789', 'qwerty123']) {
    it(`rejects ${JSON.stringify(password)} as common`, () => {
      assert.deepEqual(codes(nist.check(password)), ['common']);
    });
  }

  it('rejects a common password followed by digits and symbols', () => {
    assert.deepEqual(codes(nist.check('Password2024!!')), ['common']);
  });

  it('does not strip letters, so an uncommon stem is accepted', () => {
    assert.equal(nist.check('alllowercase1').ok, true);
  });

  it('holds at least 10,000 common passwords', () => {
    assert.ok(COMMON_PASSWORD_COUNT() >= 10_000, `only ${COMMON_PASSWORD_COUNT()} entries`);
  });

  it('can be told not to reject common passwords', () => {
    assert.equal(new PasswordPolicy({ rejectCommon: false }).check('password').ok, true);
  });
});

describe('PasswordPolicy context', () => {
  const context = {
    email: 'zorblax.quimby+news@example.com',
    username: 'qwibbly7',
    displayName: 'Zed Florentyne',
    companyName: 'Fabrikovia',
    extraWords: ['SuperSSPR'],
  };

  it('rejects the email local part', () => {
    assert.deepEqual(codes(nist.check('my-Zorblax.Quimby+news-pw', context)), ['contains_context']);
  });

  it('rejects the email local part without its sub-address', () => {
    assert.deepEqual(codes(nist.check('zorblax.quimby-2024', context)), ['contains_context']);
  });

  it('rejects the whole email address', () => {
    assert.deepEqual(codes(nist.check('ZORBLAX.QUIMBY+NEWS@EXAMPLE.COM', context)), ['contains_context']);
  });

  it('rejects the username', () => {
    assert.deepEqual(codes(nist.check('iamQWIBBLY7today', context)), ['contains_context']);
  });

  it('rejects the company name', () => {
    assert.deepEqual(codes(nist.check('fabrikovia-rocks', context)), ['contains_context']);
  });

  it('rejects a word of the display name', () => {
    assert.deepEqual(codes(nist.check('xx-florentyne-xx', context)), ['contains_context']);
  });

  it('ignores display-name words shorter than 4 characters', () => {
    assert.equal(nist.check('zedmzq7vkpw', context).ok, true);
  });

  it('rejects extra service words', () => {
    assert.deepEqual(codes(nist.check('my supersspr login', context)), ['contains_context']);
  });

  it('matches context in fullwidth form after NFKC', () => {
    assert.deepEqual(codes(nist.check('ｆａｂｒｉｋｏｖｉａ99', context)), ['contains_context']);
  });

  it('ignores context strings shorter than 3 characters', () => {
    assert.equal(nist.check('mzq7vkpw', { username: 'mz', companyName: 'q7' }).ok, true);
  });

  it('ignores non-string context values', () => {
    const hostile = { username: { $ne: null }, extraWords: 'mzq7' } as unknown as PasswordContext;
    assert.equal(nist.check('mzq7vkpw', hostile).ok, true);
  });

  it('can be told not to reject context', () => {
    assert.equal(new PasswordPolicy({ rejectContext: false }).check('fabrikovia-rocks', context).ok, true);
  });
});

describe('PasswordPolicy azure-b2c-strong preset', () => {
  it('accepts 64 characters', () => {
    assert.equal(azure.check(passwordOfLength(64)).ok, true);
  });

  it('rejects 65 characters as too_long', () => {
    assert.deepEqual(codes(azure.check(passwordOfLength(65))), ['too_long']);
  });

  it("accepts 'Tr0ub4dor&3x'", () => {
    assert.equal(azure.check('Tr0ub4dor&3x').ok, true);
  });

  it("rejects 'alllowercase1' with too_few_classes", () => {
    assert.deepEqual(codes(azure.check('alllowercase1')), ['too_few_classes']);
  });

  it('counts a non-Latin letter without case as a symbol', () => {
    assert.equal(azure.check('mzq7vkpw漢').ok, true);
  });

  it('returns every applicable reason together', () => {
    assert.deepEqual(codes(azure.check('abc')), ['too_short', 'too_few_classes']);
  });

  it('returns common together with too_few_classes', () => {
    assert.deepEqual(codes(azure.check('password')), ['common', 'too_few_classes']);
  });
});

describe('PasswordPolicy problems', () => {
  it('returns too_short, common and contains_context together', () => {
    assert.deepEqual(codes(nist.check('pass', { username: 'pass' })), [
      'too_short',
      'common',
      'contains_context',
    ]);
  });

  it('gives every problem an English message', () => {
    const result = azure.check('ab\n', { username: 'ab\n' });
    assert.ok(result.problems.length > 0);
    for (const problem of result.problems) assert.match(problem.message, /^[A-Z].+\.$/);
  });

  it('puts the configured minimum in the too_short message', () => {
    assert.match(new PasswordPolicy({ minLength: 12 }).check('short').problems[0]?.message ?? '', /12/);
  });

  it('exports the list of problem codes', () => {
    assert.deepEqual([...PASSWORD_PROBLEM_CODES].sort(), [
      'common',
      'contains_context',
      'control_characters',
      'not_a_string',
      'too_few_classes',
      'too_long',
      'too_short',
    ]);
  });
});

describe('PasswordPolicy control characters', () => {
  for (const [name, character] of [
    ['NUL', '\u0000'],
    ['tab', '\t'],
    ['line feed', '\n'],
    ['DEL', '\u007F'],
    ['C1 NEL', '\u0085'],
    ['lone surrogate', '\uD800'],
  ] as const) {
    it(`rejects ${name} as control_characters`, () => {
      assert.deepEqual(codes(nist.check(`mzq7${character}vkpw`)), ['control_characters']);
    });
  }
});

describe('PasswordPolicy non-string input', () => {
  for (const [name, value] of [
    ['an operator object', { $ne: null }],
    ['an array', ['password123']],
    ['a number', 12345678],
    ['null', null],
    ['undefined', undefined],
  ] as const) {
    it(`reports ${name} as only not_a_string`, () => {
      const result = nist.check(value);
      assert.deepEqual({ ok: result.ok, codes: codes(result) }, { ok: false, codes: ['not_a_string'] });
    });
  }
});

describe('PasswordPolicy options validation', () => {
  const bad: [string, PasswordPolicyOptions, RegExp][] = [
    ['minLength 0', { minLength: 0 }, /passwordPolicy\.minLength/],
    ['a fractional minLength', { minLength: 8.5 }, /passwordPolicy\.minLength/],
    ['maxLength below minLength', { minLength: 10, maxLength: 9 }, /passwordPolicy\.maxLength/],
    ['minLength above the default maxLength', { minLength: 200 }, /passwordPolicy\.maxLength/],
    ['maxLength above 1024', { maxLength: 1025 }, /passwordPolicy\.maxLength/],
    ['minCharacterClasses 5', { minCharacterClasses: 5 }, /passwordPolicy\.minCharacterClasses/],
    ['a non-boolean rejectCommon', { rejectCommon: 'yes' as never }, /passwordPolicy\.rejectCommon/],
    ['an unknown option', { minlength: 10 } as never, /passwordPolicy\.minlength/],
  ];
  for (const [name, options, message] of bad) {
    it(`throws a TypeError for ${name}`, () => {
      assert.throws(() => new PasswordPolicy(options), { name: 'TypeError', message });
    });
  }

  it('throws a TypeError for an unknown preset', () => {
    assert.throws(() => new PasswordPolicy('strong' as never), {
      name: 'TypeError',
      message: /passwordPolicy preset/,
    });
  });

  it('accepts maxLength 1024', () => {
    assert.equal(new PasswordPolicy({ maxLength: 1024 }).maxLength, 1024);
  });

  it('freezes the presets', () => {
    assert.ok(Object.isFrozen(PasswordPolicy.presets.nist));
  });
});

describe('PasswordPolicy.exceedsMaximum', () => {
  const huge = 'a'.repeat(1_000_000);

  it('is true for a 1,000,000-character string', () => {
    assert.equal(nist.exceedsMaximum(huge), true);
  });

  it('makes check() return only too_long for a 1,000,000-character string', () => {
    assert.deepEqual(codes(nist.check(huge)), ['too_long']);
  });

  it('is false at exactly maxLength', () => {
    assert.equal(nist.exceedsMaximum(passwordOfLength(128)), false);
  });

  it('is true for a non-string', () => {
    assert.equal(nist.exceedsMaximum({ $ne: null }), true);
  });

  it('is true for a short string that NFKC expands beyond maxLength', () => {
    assert.equal(nist.exceedsMaximum('\uFDFA'.repeat(8)), true);
  });
});
