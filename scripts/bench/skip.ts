/** A leg of the benchmark that cannot run here: its row prints this message instead of figures. */
export class BenchSkip extends Error {
  override name = 'BenchSkip';
}
