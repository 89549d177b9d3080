// The entry of the CLI built to JavaScript (scripts/build-cli.mjs), as the published package runs it.
import { installInterrupts } from './interrupts.mjs';
import { main } from './main.ts';

const interrupts = installInterrupts();
interrupts.claim();
process.exitCode = await main(process.argv.slice(2), interrupts.signal);
