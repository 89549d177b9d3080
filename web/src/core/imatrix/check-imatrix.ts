// An importance matrix against the model it is used with. llama-quantize silently skips an entry for a
// tensor the model lacks and stops only when it reaches a tensor whose entry has the wrong length; both
// mean the file was computed for another model, so both are refused here, before anything is written.
import { QuantsmithError } from '../errors.ts';
import type { ImportanceMatrix } from './imatrix.ts';

interface ModelTensor {
  readonly name: string;
  readonly shape: readonly number[];
}

export function checkImatrixAgainstModel(m: ImportanceMatrix, tensors: readonly ModelTensor[]): void {
  const byName = new Map(tensors.map((t) => [t.name, t]));
  for (const e of m.entries) {
    const t = byName.get(e.name);
    if (!t) {
      throw new QuantsmithError(`the importance matrix has an entry for ${e.name}, which this model does not have (was it computed for another model?)`);
    }
    const experts = t.shape[2] ?? 1;
    const expected = t.shape[0] * experts;
    // llama.cpp ignores a token embedding's entry of the wrong size (that tensor is looked up, not multiplied)
    if (e.sums.length !== expected && e.name !== 'token_embd.weight' && e.name !== 'per_layer_token_embd.weight') {
      throw new QuantsmithError(
        `imatrix size ${e.sums.length} is different from tensor size ${expected} for ${e.name}` +
          ` (rows of ${t.shape[0]}${experts > 1 ? ` × ${experts} experts` : ''}: was it computed for another model?)`,
      );
    }
  }
}
