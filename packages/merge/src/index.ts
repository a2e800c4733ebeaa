export { klDivergence, mergeComponents, type MergeResult } from './kl-merge.js';
export { merge, mergeOptionsSchema } from './merge.js';
