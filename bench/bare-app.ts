/**
 * Baseline of rows 3 and 4: a bare Express route with the body parsers and
 * the session middleware express-sspr's reset route runs behind (the same
 * express-session configuration, the same JSON and form parsers with the same
 * 8 kB limit), answering 202 with a small JSON body. `GET /auth/csrf` starts
 * a session the way express-sspr's does, so that the load generator sends the
 * very same requests to both. Run as a child of bench/run.ts.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import express from 'express';
import session from 'express-session';
import { runChild } from './support/child.js';
import { BENCH_SECRET } from './support/fixtures.js';

await runChild(async () => {
  const app = express();
  app.disable('x-powered-by');
  app.use(
    session({
      secret: BENCH_SECRET,
      resave: false,
      saveUninitialized: false,
      cookie: { httpOnly: true, sameSite: 'lax' },
    }),
  );
  app.get('/auth/csrf', (req, res) => {
    const state = req.session as unknown as { csrfToken?: string };
    state.csrfToken ??= randomBytes(32).toString('hex');
    res.json({ csrfToken: state.csrfToken });
  });
  app.post(
    '/auth/reset',
    express.json({ limit: '8kb', strict: true, type: 'application/json' }),
    express.urlencoded({
      limit: '8kb',
      extended: false,
      parameterLimit: 20,
      type: 'application/x-www-form-urlencoded',
    }),
    (_req, res) => {
      res.status(202).json({ accepted: true });
    },
  );
  return { server: createServer(app) };
});
