// Ctrl-C and SIGTERM for the whole CLI process, installed before anything else loads (plain JavaScript,
// so the TypeScript loader's start-up is covered too). The first signal aborts the returned signal: a
// running job stops and cleans up, and the CLI exits 130. If nothing has taken the signal over yet
// (still loading), or a second signal comes, the process ends at once with the same message and status.
const MESSAGE = 'quantsmith: interrupted; no output was written\n';

export function installInterrupts() {
  const controller = new AbortController();
  let claimed = false;
  const onSignal = () => {
    if (claimed && !controller.signal.aborted) {
      controller.abort();
      return;
    }
    process.stderr.write(MESSAGE);
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    /** the CLI is loaded and will honour `signal` from now on */
    claim() {
      claimed = true;
    },
  };
}
