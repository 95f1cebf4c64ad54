/**
 * Baseline of row 2: the sign-in a tutorial would have you write by hand.
 * express-session (MemoryStore) + passport-local + argon2 at the same
 * argon2id parameters as express-sspr's defaults; one user in a Map; no CSRF,
 * no rate limits, no lockout, no audit. `POST /login` takes
 * `{"email","password"}` as JSON and answers 200 `{"user": {...}}` or 401.
 * Run as a child of bench/run.ts.
 */
import { createServer } from 'node:http';
import argon2 from 'argon2';
import express from 'express';
import session from 'express-session';
import passport from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import { DEFAULT_ARGON2_PARAMETERS } from '../lib/accounts/hasher.js';
import { runChild } from './support/child.js';
import { BENCH_PASSWORD, BENCH_SECRET, SIGNIN_EMAIL } from './support/fixtures.js';

interface User {
  id: string;
  email: string;
  passwordHash: string;
}

await runChild(async () => {
  const users = new Map<string, User>();
  const passwordHash = await argon2.hash(BENCH_PASSWORD, {
    type: argon2.argon2id,
    ...DEFAULT_ARGON2_PARAMETERS,
  });
  users.set(SIGNIN_EMAIL, { id: '1', email: SIGNIN_EMAIL, passwordHash });

  passport.use(
    new LocalStrategy({ usernameField: 'email' }, (email, password, done) => {
      const user = users.get(email.toLowerCase());
      if (!user) return done(null, false);
      argon2.verify(user.passwordHash, password).then(
        (ok) => done(null, ok ? user : false),
        (error: unknown) => done(error),
      );
    }),
  );
  passport.serializeUser((user, done) => done(null, (user as User).id));
  passport.deserializeUser((id: string, done) => {
    done(null, [...users.values()].find((user) => user.id === id) ?? false);
  });

  const app = express();
  app.use(
    session({
      secret: BENCH_SECRET,
      resave: false,
      saveUninitialized: false,
      cookie: { httpOnly: true, sameSite: 'lax' },
    }),
  );
  app.use(passport.initialize());
  app.use(passport.session());
  app.post('/login', express.json(), passport.authenticate('local', { failWithError: true }), (req, res) => {
    const user = req.user as User;
    res.json({ user: { id: user.id, email: user.email } });
  });
  return { server: createServer(app) };
});
