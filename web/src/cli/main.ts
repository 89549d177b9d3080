// The CLI twin's entry: parse, dispatch, and turn errors into one line and an exit status
// (1: the input or the options are wrong or the run failed; 2: the command line itself is wrong; 130: interrupted).
import { CancelledError, oneLine, QuantsmithError } from '../core/errors.ts';
import { FTYPES } from '../core/quant/ftypes.ts';
import { parseCli, USAGE } from './args.ts';
import { UsageError } from './usage-error.ts';
import { quantizeCommand } from './quantize.ts';
import { inspectText } from './inspect.ts';
import { openInput } from './open-input.ts';
import { EVAL_USAGE, isEvalCommand, parseEvalCli } from './eval-args.ts';
import { evalCommand } from './evaluate.ts';

const TYPE_NAME_WIDTH = Math.max(...FTYPES.map((f) => f.name.length));

let watchingStdout = false;

/** `quantsmith inspect x | head`: a closed pipe ends the output, it is not an error. Once per process, not per call. */
function endOnClosedPipe(): void {
  if (watchingStdout) return;
  watchingStdout = true;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
}

/** `interrupted` is aborted by Ctrl-C / SIGTERM (web/src/cli/interrupts.mjs): a running job stops, and the CLI exits 130. */
export async function main(argv: readonly string[], interrupted: AbortSignal = new AbortController().signal): Promise<number> {
  endOnClosedPipe();
  const out = (line: string) => process.stdout.write(`${line}\n`);
  try {
    if (isEvalCommand(argv[0])) {
      const evalArgs = parseEvalCli(argv);
      if (interrupted.aborted) throw new CancelledError();
      await evalCommand(evalArgs, out, interrupted);
      return 0;
    }
    const args = parseCli(argv);
    if (interrupted.aborted) throw new CancelledError();
    switch (args.command) {
      case 'help':
        out(`${USAGE}\n\n${EVAL_USAGE}`);
        return 0;
      case 'list-types':
        // llama-quantize's usage lists each type as its number and name; -t takes either
        for (const f of FTYPES) out(`${String(f.id).padStart(3)}  ${f.name.padEnd(TYPE_NAME_WIDTH)}  ${f.description}`);
        return 0;
      case 'inspect': {
        const { source } = await openInput(args.input, { hubFile: args.hubFile, signal: interrupted });
        try {
          out(inspectText(source));
        } finally {
          await source.close();
        }
        return 0;
      }
      case 'quantize':
        await quantizeCommand(args, out, interrupted);
        return 0;
    }
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`quantsmith: ${e.message}\n\n${USAGE}\n\n${EVAL_USAGE}\n`);
      return 2;
    }
    if (e instanceof CancelledError) {
      process.stderr.write('quantsmith: interrupted; no output was written\n');
      return 130;
    }
    if (e instanceof QuantsmithError) {
      process.stderr.write(`quantsmith: ${e.message}\n`);
      return 1;
    }
    const err = e as NodeJS.ErrnoException;
    if (err?.code && typeof err.message === 'string') {
      // file system errors (disk full, permission denied) are the user's to fix: one line, no stack
      process.stderr.write(`quantsmith: ${oneLine(err.message)}\n`);
      return 1;
    }
    // one line like every other message; the stack only when asked for
    process.stderr.write(`quantsmith: internal error: ${oneLine(e instanceof Error ? `${e.name}: ${e.message}` : String(e))}\n`);
    if (process.env.QUANTSMITH_DEBUG && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
    return 1;
  }
}
