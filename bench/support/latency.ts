/**
 * Sequential requests from one client over one keep-alive connection, timed
 * on the client with `process.hrtime.bigint()` from just before the request
 * is written to the end of the response. Used where the question is "how long
 * does one request take", not "how many fit in a second".
 */
import { Agent, request as httpRequest } from 'node:http';
import type { BrowserSession } from './load.js';

export interface TimedPost {
  status: number;
  microseconds: number;
}

export class SequentialClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });

  constructor(
    private readonly url: string,
    private readonly session: BrowserSession,
  ) {}

  /** One JSON POST, timed. */
  post(path: string, body: unknown): Promise<TimedPost> {
    const payload = Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const started = process.hrtime.bigint();
      const req = httpRequest(
        `${this.url}${path}`,
        {
          method: 'POST',
          agent: this.agent,
          headers: {
            'content-type': 'application/json',
            accept: 'application/json',
            'content-length': payload.length,
            cookie: this.session.cookie,
            'x-csrf-token': this.session.token,
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            const microseconds = Number(process.hrtime.bigint() - started) / 1000;
            resolve({ status: res.statusCode ?? 0, microseconds });
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Every order of three things, so that no kind always goes first in an interleaved run. */
export const ORDERS_OF_THREE: ReadonlyArray<readonly [number, number, number]> = [
  [0, 1, 2],
  [1, 2, 0],
  [2, 0, 1],
  [0, 2, 1],
  [2, 1, 0],
  [1, 0, 2],
];
