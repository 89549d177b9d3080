// IQ3_XXS, IQ3_S, IQ2_XXS, IQ2_XS and IQ2_S against llama.cpp (the suite: kernels-iq-suite.ts).
import { GgmlType } from '../../web/src/core/quant/ggml-types.ts';
import { codebookTests } from './kernels-iq-suite.ts';

codebookTests([GgmlType.IQ3_XXS, GgmlType.IQ3_S, GgmlType.IQ2_XXS, GgmlType.IQ2_XS, GgmlType.IQ2_S]);
