/** What a parameter tensor is for; stages use it to decide what goes under the prior. */
export type ParamRole = 'kernel' | 'bias' | 'other';

/**
 * A parameter's role from its tfjs weight name: the weights of every weight-bearing layer
 * (kernel, recurrent_kernel, depthwise_kernel, pointwise_kernel, embeddings, PReLU's alpha)
 * are 'kernel', `.../bias` is 'bias', the rest (BatchNorm's vectors, ...) 'other'. A graph
 * model's weights have no layer names: there rank >= 2 makes a kernel.
 */
export function paramRole(name: string, shape: readonly number[], graph = false): ParamRole {
  if (graph) return shape.length >= 2 ? 'kernel' : 'other';
  if (/\/(kernel|recurrent_kernel|depthwise_kernel|pointwise_kernel|embeddings|alpha)$/.test(name)) return 'kernel';
  if (/\/bias$/.test(name)) return 'bias';
  return 'other';
}

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
  /**
   * Present for a tfjs graph model (converted from TensorFlow): `topology` is then its
   * GraphDef JSON (model.json's `modelTopology`), `params` its float weights by manifest
   * name. Absent for a layers model.
   */
  readonly graph?: GraphExtras;
}

/** What a tfjs graph model carries besides its topology and float weights. */
export interface GraphExtras {
  /** model.json's `signature` (input and output names and shapes), passed through. */
  readonly signature?: Record<string, unknown>;
  /** Weights that are not float (int32 shape constants, bool flags): kept exactly. */
  readonly constants: readonly ConstantTensor[];
}

/** A non-float weight of a graph model. */
export interface ConstantTensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: 'int32' | 'bool';
  readonly values: Int32Array | Uint8Array;
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
  /** The learned mixture prior. */
  readonly mixture: Mixture;
  /** Names of the tensors that were under the prior. */
  readonly underPrior: readonly string[];
}
export interface MergedModel extends ModelData {
  readonly kind: 'merged';
  /** The mixture after merging near-identical components; component 0 is exactly zero. */
  readonly mixture: Mixture;
  readonly underPrior: readonly string[];
}
export interface QuantizedModel extends ModelData {
  readonly kind: 'quantized';
  /** The merged mixture the codebooks came from; absent where none was learned (sparsify) or kept (a model read from a .sws file). */
  readonly mixture?: Mixture;
  /** One entry per tensor under the prior; `params` holds the dequantised values. */
  readonly quantized: readonly QuantizedTensor[];
}

/**
 * A Gaussian mixture over weights. Component 0 is the zero component (mean 0).
 * Arrays have one entry per component.
 */
export interface Mixture {
  readonly means: Float64Array;
  /** Variances sigma^2. */
  readonly variances: Float64Array;
  /** Mixing proportions, summing to 1. */
  readonly proportions: Float64Array;
}

/**
 * A tensor as shared values: `values[i] = codebook[codes[i]]`; code 0 is always the
 * value 0 (a pruned weight).
 */
export interface QuantizedTensor {
  readonly name: string;
  readonly shape: readonly number[];
  /** float32 shared values; codebook[0] === 0. */
  readonly codebook: Float32Array;
  readonly codes: Uint8Array;
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
