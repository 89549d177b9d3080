// IQ1_S and IQ1_M against llama.cpp (the suite: kernels-iq-suite.ts; a file of their own because
// ggml's search map for their 2048-point grid takes the longest to build).
import { GgmlType } from '../../web/src/core/quant/ggml-types.ts';
import { codebookTests } from './kernels-iq-suite.ts';

codebookTests([GgmlType.IQ1_S, GgmlType.IQ1_M]);
