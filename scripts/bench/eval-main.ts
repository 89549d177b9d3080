// The evaluator's benchmark rows on their own (npm run bench runs them too, after its quantizer rows):
//   node --import tsx scripts/bench/eval-main.ts [--quick] [--runs=N] [--quiet-wait=S] [--eval-chunks=N]
// Progress goes to stderr, the report to stdout.
import { evalBench } from './eval.ts';

console.log(await evalBench(process.argv.slice(2), (line) => console.error(line)));
