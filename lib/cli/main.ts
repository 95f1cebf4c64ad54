#!/usr/bin/env node
/**
 * The `express-sspr` executable. Run `express-sspr --help` for its commands.
 *
 * @module
 */
import { runCli } from './index.js';
import { realIo } from './io.js';

process.exitCode = await runCli(process.argv.slice(2), realIo);
