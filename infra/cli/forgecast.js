#!/usr/bin/env node
// The `forgecast` command. Registers tsx so the TypeScript sources run as they are (no build step
// for users), then hands the arguments to main.ts.
import process from 'node:process';
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
