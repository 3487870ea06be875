#!/usr/bin/env node
// The `jwtgate` command. Everything lives in src/cli.js so tests can drive it in-process too.
import { main } from '../src/cli.js';

process.exitCode = await main(process.argv.slice(2));
