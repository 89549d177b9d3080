// --include-weights / --exclude-weights in the app: why a filter cannot be added now, in words. They only
// act on an importance matrix, and llama-quantize refuses the two together.
import { QUANTIZE_OPTION_TABLE, type QuantizeOptionRow } from '../../core/quant/option-table.ts';

/** The option table's weight-filter rows (editor 'imatrix-weight-rows'), in table order. */
export const WEIGHT_FILTER_ROWS: readonly QuantizeOptionRow[] = QUANTIZE_OPTION_TABLE.filter((r) => r.editor === 'imatrix-weight-rows');

/**
 * Why `row` cannot take a name now (undefined: it can). `values` are the names each filter has, by field.
 */
export function weightFilterBlock(row: QuantizeOptionRow, values: Readonly<Record<string, readonly string[]>>, hasImatrix: boolean): string | undefined {
  if (!hasImatrix) return 'Only meaningful with an importance matrix: open one below.';
  const other = WEIGHT_FILTER_ROWS.find((r) => r.field !== row.field && (values[r.field] ?? []).some((v) => v !== ''));
  return other ? `Not with ${other.flag}: llama-quantize takes ${row.flag} or ${other.flag}, not both.` : undefined;
}
