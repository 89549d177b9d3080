// The entry of the CLI built to JavaScript (scripts/build-cli.mjs), as the published package runs it. The
// Ctrl-C handler is installed before the CLI is even parsed: the build keeps this file a few lines long and
// the CLI a bundle of its own, imported here (as web/src/cli/bin.mjs does for the sources).
import { installInterrupts } from './interrupts.mjs';

const interrupts = installInterrupts();
const { main } = await import('./main.ts');
interrupts.claim();
process.exitCode = await main(process.argv.slice(2), interrupts.signal);
