#!/usr/bin/env node
// `quantsmith …` from the sources: load the TypeScript through tsx, then run the CLI. (The published
// package runs the same CLI built to JavaScript: web/src/cli/bin.ts, built by scripts/build-cli.mjs.)
import { installInterrupts } from './interrupts.mjs';

const interrupts = installInterrupts();
const { register } = await import('tsx/esm/api');
register();
const { main } = await import('./main.ts');
interrupts.claim();
process.exitCode = await main(process.argv.slice(2), interrupts.signal);
