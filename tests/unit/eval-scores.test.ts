// The C per-token scores (wasm/eval_score.c) agree with the TypeScript transcription of perplexity.cpp
// (token-scores.ts, which the oracle tests use on llama.cpp's logits): same 16-bit base levels and top
// tokens, figures equal up to expf's last bit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WasmBackend } from '../../web/src/core/eval/wasm-backend.ts';
import { compressLogProbs, kldToken, negLogLikelihood, type CompressedLogProbs } from '../../web/src/core/eval/token-scores.ts';
import { evalWasmModule } from '../helpers/eval.ts';

function rows(seed: number, nRows: number, n: number): Float32Array {
  let s = seed >>> 0;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const out = new Float32Array(nRows * n);
  for (let i = 0; i < out.length; i++) out[i] = (rand() - 0.5) * 24 + (rand() < 0.01 ? 10 : 0);
  return out;
}

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

test('C scores equal the TypeScript transcription of perplexity.cpp', async () => {
  const { scorer } = await WasmBackend.create(await evalWasmModule());
  const n = 1000;
  const base = rows(1, 20, n);
  const other = rows(2, 20, n).map((v, i) => base[i] + v * 0.05);
  const a: CompressedLogProbs = { scale: 0, minLogProb: 0, q: new Uint16Array(n) };
  const b: CompressedLogProbs = { scale: 0, minLogProb: 0, q: new Uint16Array(n) };
  for (let r = 0; r < 20; r++) {
    const off = r * n;
    const tok = (r * 37) % n;
    close(scorer.negLogLikelihood(base, off, n, tok), negLogLikelihood(base, off, n, tok), 'nll');
    scorer.compressLogProbs(base, off, n, a);
    compressLogProbs(base, off, n, b);
    assert.equal(a.scale, b.scale);
    close(a.minLogProb, b.minLogProb, 'min log-prob');
    assert.deepEqual(a.q, b.q);
    const x = scorer.kldToken(other, off, n, b, tok);
    const y = kldToken(other, off, n, b, tok);
    close(x.kld, y.kld, 'kld');
    close(x.pDiff, y.pDiff, 'Δp');
    close(x.nll, y.nll, 'nll (KLD path)');
    close(x.nllBase, y.nllBase, 'nll base');
    assert.equal(x.sameTop, y.sameTop);
  }
  // identical distributions: no divergence, same top token
  scorer.compressLogProbs(base, 0, n, a);
  const self = scorer.kldToken(base, 0, n, a, 3);
  assert.ok(Math.abs(self.kld) < 1e-4 && self.sameTop);
});
