// The option table drives every surface: each row is in the usage text, parsed by the CLI, and (for
// preset rows) carried by the link and printed in both command lines with llama-quantize's flag.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCli, USAGE, type QuantizeArgs } from '../../web/src/cli/args.ts';
import { PRESET_OPTION_ROWS, QUANTIZE_OPTION_TABLE, type QuantizeOptionRow } from '../../web/src/core/quant/option-table.ts';
import { decodePresetLink, encodePresetLink } from '../../web/src/app/presets/preset-url.ts';
import { DEFAULT_PRESET, type Preset } from '../../web/src/app/presets/preset.ts';
import { llamaQuantizeCommand } from '../../web/src/app/run/command-lines.ts';

const sample: Record<QuantizeOptionRow['kind'], string> = {
  flag: '', 'ggml-type': 'q6_K', 'tensor-type': 'attn_v=q8_0', 'kv-override': 'general.name=str:x', 'tensor-name': 'ffn', file: 'm.imatrix.gguf', 'layer-list': '1,0', 'split-size': '2G', 'split-tensors': '64',
};

test('every row is in the usage text and parsed by the CLI', () => {
  for (const row of QUANTIZE_OPTION_TABLE) {
    assert.match(USAGE, new RegExp(`^  ${row.flag}\\b`, 'm'), row.flag);
    const argv = ['quantize', 'in.gguf', '-t', 'Q4_K_M', '--dry-run', row.flag, ...(row.kind === 'flag' ? [] : [sample[row.kind]])];
    const args = parseCli(argv) as QuantizeArgs;
    const value = (args.options as Record<string, unknown>)[row.field];
    assert.ok(row.repeatable ? (value as unknown[]).length === 1 : value !== undefined && value !== false, row.flag);
  }
});

test('every preset row survives the link and reaches the command line', () => {
  for (const row of PRESET_OPTION_ROWS) {
    const raw = row.kind === 'flag' ? true : row.kind === 'tensor-type' ? [{ pattern: 'attn_v', type: 'q8_0' }]
      : row.kind === 'layer-list' ? [0, 1] : row.repeatable ? [sample[row.kind]] : sample[row.kind];
    const preset = { ...DEFAULT_PRESET, [row.field]: raw } as Preset;
    const link = encodePresetLink(preset);
    assert.ok(link.includes(row.link!), link);
    const back = decodePresetLink(link);
    assert.equal(back.kind, 'preset');
    assert.deepEqual((back as { preset: Preset }).preset, preset);
    assert.ok(llamaQuantizeCommand('a.gguf', 'b.gguf', 'Q4_K_M', preset).includes(` ${row.flag}`), row.flag);
  }
});

test("the app's editor for each option fits its kind; only file rows carry a hash, and only in the link", () => {
  const fits: Partial<Record<QuantizeOptionRow['editor'], QuantizeOptionRow['kind']>> = {
    checkbox: 'flag', 'type-select': 'ggml-type', 'tensor-type-rows': 'tensor-type', 'kv-rows': 'kv-override',
    'imatrix-weight-rows': 'tensor-name', 'tensor-type-files': 'file',
  };
  for (const row of QUANTIZE_OPTION_TABLE) {
    if (row.editor === 'none' || !fits[row.editor]) continue;
    assert.equal(row.kind, fits[row.editor], row.flag);
    assert.ok(row.link, `${row.flag}: what the app edits is part of its presets`);
  }
  for (const row of QUANTIZE_OPTION_TABLE.filter((r) => r.linkSha256)) {
    assert.equal(row.kind, 'file', row.flag);
    assert.doesNotMatch(USAGE, new RegExp(row.linkSha256!), 'not a command-line option');
  }
  assert.deepEqual(QUANTIZE_OPTION_TABLE.filter((r) => r.editor === 'imatrix-weight-rows').map((r) => r.flag), ['--include-weights', '--exclude-weights']);
});
