export { prune, pruneOptionsSchema, withoutUnreachable } from './prune.js';
export { pruneUnreachable, type UnreachableInput, type UnreachableResult } from './unreachable.js';
