/** What a parameter tensor is for; stages use it to decide what goes under the prior. */
export type ParamRole = 'kernel' | 'bias' | 'other';

/** One named parameter tensor, held as a typed array (never a live tf.Tensor). */
export interface ParamTensor {
  /** tfjs weight name, e.g. `dense_1/kernel`. */
  readonly name: string;
  readonly shape: readonly number[];
  readonly role: ParamRole;
  readonly values: Float32Array;
}

/** A finding that does not stop the pipeline. */
export interface Diagnostic {
  readonly severity: 'info' | 'warning';
  readonly stage: string;
  readonly layer?: string;
  readonly message: string;
}

/**
 * A network as it flows between stages: the tfjs layers topology (model.json's
 * `modelTopology`) plus its parameters in weight-manifest order.
 */
export interface ModelData {
  readonly topology: unknown;
  readonly params: readonly ParamTensor[];
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Artefacts say what has happened to a model. The literal `kind` makes each a distinct
 * type, so a stage placed out of order is a compile error.
 */
export interface PretrainedModel extends ModelData {
  readonly kind: 'pretrained';
}
export interface RetrainedModel extends ModelData {
  readonly kind: 'retrained';
}
export interface MergedModel extends ModelData {
  readonly kind: 'merged';
}
export interface QuantizedModel extends ModelData {
  readonly kind: 'quantized';
}
export type ModelArtefact = PretrainedModel | RetrainedModel | MergedModel | QuantizedModel;

/** Number of elements a shape holds. */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Total parameter count of a model. */
export function countParams(model: ModelData): number {
  let n = 0;
  for (const p of model.params) n += p.values.length;
  return n;
}
