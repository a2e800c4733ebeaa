/**
 * Weights that cannot change the network's output, found from the tfjs topology:
 * a unit (dense unit or conv channel) whose every outgoing weight is zero feeds
 * nothing, so its incoming weights are dead; a unit whose every incoming weight is
 * zero emits a constant act(bias), so its outgoing weights only add a constant to the
 * next layer: they are zeroed, and the constant is folded into the next layer's bias
 * (nothing to fold when act(bias) = 0, e.g. ReLU of a negative bias). Applied until
 * nothing changes; then the bias of every unit that feeds nothing is set to 0 too (it
 * reaches the output no more than the unit's weights do, and a zero costs almost nothing
 * in a file that stores the bias by its distinct values). Only chains of Dense / Conv2D layers joined by pooling, Flatten,
 * Activation and Dropout are understood; any other link is left alone.
 */

/** The tensors the analysis may change, by tfjs weight name. */
export interface UnreachableInput {
  readonly topology: unknown;
  /** Current values by weight name (kernels and biases); changed in place. */
  readonly values: ReadonlyMap<string, { readonly shape: readonly number[]; readonly values: Float32Array }>;
  /** Biases that may take a folded constant (false for quantised biases: they must stay on their codebook). */
  readonly canFoldInto: (biasName: string) => boolean;
}

export interface UnreachableResult {
  /** Weights that were non-zero and are now zero. */
  readonly zeroed: number;
  /** Units whose constant output was folded into the next layer's bias. */
  readonly folded: number;
  /** Bias entries set to 0 because their unit feeds nothing any more (a dead unit's bias cannot reach the output either). */
  readonly biasesZeroed: number;
  /** Why some link between weight layers was left alone (empty when all were understood). */
  readonly skipped: readonly string[];
}

interface LayerJson {
  readonly class_name: string;
  readonly config: Record<string, unknown> & { name?: string };
  readonly inbound_nodes?: unknown;
}

interface WeightLayer {
  readonly name: string;
  readonly kind: 'dense' | 'conv';
  readonly kernel: Float32Array;
  readonly shape: readonly number[];
  readonly bias?: Float32Array;
  readonly biasName: string;
  readonly padding: string;
  /** Units (dense) or filters (conv). */
  readonly units: number;
  /** Kernel entries per unit and their stride in the flat kernel: unit u owns kernel[i * units + u]. */
  readonly fanIn: number;
}

/** How weight layer k's output reaches weight layer k+1. */
interface Link {
  /** Activations applied to k's pre-activation, in order. */
  readonly activations: readonly string[];
  /** True when a Flatten sits in between (next is dense, row i reads channel i % units). */
  readonly flattened: boolean;
  /** A constant map stays the same constant through every pooling in between. */
  readonly constantSurvives: boolean;
}

/** Activations that act on each unit alone (softmax does not: a cut-off unit would still change the others). */
const ELEMENTWISE = new Set(['linear', 'relu', 'relu6', 'elu', 'selu', 'tanh', 'sigmoid', 'hard_sigmoid', 'softplus', 'softsign', 'swish', 'mish', 'gelu', 'gelu_new']);

const PASS_THROUGH = new Set(['Dropout', 'SpatialDropout1D', 'SpatialDropout2D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout']);

function applyActivation(name: string, x: number): number | undefined {
  switch (name) {
    case 'linear':
      return x;
    case 'relu':
      return Math.max(0, x);
    case 'relu6':
      return Math.min(6, Math.max(0, x));
    case 'tanh':
      return Math.tanh(x);
    case 'sigmoid':
      return 1 / (1 + Math.exp(-x));
    default:
      return undefined;
  }
}

/** The layers of a functional or Sequential topology, if they form one chain. */
function chainOf(topology: unknown): LayerJson[] | string {
  const t = topology as { class_name?: string; config?: { layers?: LayerJson[]; output_layers?: unknown[][] } } | null;
  const layers = t?.config?.layers;
  if (!Array.isArray(layers) || layers.length === 0) return 'no layer list in the topology';
  if (t?.class_name === 'Sequential') return layers;
  const outputs = t?.config?.output_layers;
  if (outputs?.length !== 1 || outputs[0][0] !== layers[layers.length - 1].config.name) return 'the model does not end at its last layer';
  for (let i = 1; i < layers.length; i++) {
    const nodes = layers[i].inbound_nodes as unknown[][][] | undefined;
    const from = nodes?.length === 1 && nodes[0].length === 1 ? nodes[0][0]?.[0] : undefined;
    if (from !== layers[i - 1].config.name) return `layer ${String(layers[i].config.name)} is not fed by the layer before it`;
  }
  return layers;
}

function weightLayer(layer: LayerJson, input: UnreachableInput): WeightLayer | undefined {
  const name = String(layer.config.name);
  const kind = layer.class_name === 'Dense' ? 'dense' : layer.class_name === 'Conv2D' ? 'conv' : undefined;
  const k = input.values.get(`${name}/kernel`);
  if (kind === undefined || k === undefined) return undefined;
  const units = k.shape[k.shape.length - 1];
  const biasName = `${name}/bias`;
  return {
    name,
    kind,
    kernel: k.values,
    shape: k.shape,
    bias: input.values.get(biasName)?.values,
    biasName,
    padding: String(layer.config.padding ?? 'valid'),
    units,
    fanIn: k.values.length / units,
  };
}

/** Channels a weight layer's kernel reads (dense: rows; conv: input channels). */
function inputChannels(to: WeightLayer): number {
  return to.kind === 'dense' ? to.shape[0] : to.shape[2];
}

/**
 * Zero the weights that cannot reach the output, in place. Returns what changed.
 *
 * @example
 * const r = pruneUnreachable({ topology, values, canFoldInto: () => true });
 */
export function pruneUnreachable(input: UnreachableInput): UnreachableResult {
  const chain = chainOf(input.topology);
  if (typeof chain === 'string') return { zeroed: 0, folded: 0, biasesZeroed: 0, skipped: [chain] };
  const skipped: string[] = [];
  const pairs: { a: WeightLayer; b: WeightLayer; link: Link }[] = [];
  let prev: WeightLayer | undefined;
  let link = { activations: [] as string[], flattened: false, constantSurvives: true, broken: '' };
  for (const layer of chain) {
    const w = weightLayer(layer, input);
    const otherFormat = layer.config.data_format !== undefined && layer.config.data_format !== 'channels_last';
    if (otherFormat) link.broken ||= 'channels_first data';
    if (w !== undefined) {
      if (prev !== undefined) {
        const readsPrev = link.flattened ? w.kind === 'dense' && inputChannels(w) % prev.units === 0 : inputChannels(w) === prev.units;
        const coupled = link.activations.find((a) => !ELEMENTWISE.has(a));
        if (link.broken !== '') skipped.push(`${prev.name} -> ${w.name}: ${link.broken}`);
        else if (coupled !== undefined) skipped.push(`${prev.name} -> ${w.name}: activation ${coupled} couples the units`);
        else if (!readsPrev) skipped.push(`${prev.name} -> ${w.name}: shapes do not line up`);
        else pairs.push({ a: prev, b: w, link });
      }
      prev = w;
      link = { activations: [String(layer.config.activation ?? 'linear')], flattened: false, constantSurvives: true, broken: otherFormat ? 'channels_first data' : '' };
      continue;
    }
    if (prev === undefined) continue;
    const cls = layer.class_name;
    if (cls === 'Activation') link.activations.push(String(layer.config.activation));
    else if (cls === 'ReLU' && layer.config.max_value == null && !layer.config.negative_slope && !layer.config.threshold) link.activations.push('relu');
    else if (cls === 'Flatten') link.flattened = true;
    else if (cls === 'MaxPooling2D' || cls === 'AveragePooling2D') {
      // max ignores padding; an average over padded borders would shrink a constant
      if (cls === 'AveragePooling2D' && layer.config.padding !== 'valid') link.constantSurvives = false;
    } else if (!PASS_THROUGH.has(cls) && cls !== 'InputLayer') link.broken ||= `${cls} layer ${String(layer.config.name)} in between`;
  }

  let zeroed = 0;
  let folded = 0;
  const channelOfRow = (p: (typeof pairs)[number], row: number): number => (p.link.flattened ? row % p.a.units : row);
  // rows of b's kernel (as flat index stride) that read channel c of a
  const forEachReading = (p: (typeof pairs)[number], c: number, f: (flat: number, out: number) => void): void => {
    const { b } = p;
    const rowsPerUnit = b.fanIn; // kernel entries per output unit of b
    for (let r = 0; r < rowsPerUnit; r++) {
      const inCh = b.kind === 'dense' ? channelOfRow(p, r) : r % inputChannels(b);
      if (inCh !== c) continue;
      for (let o = 0; o < b.units; o++) f(r * b.units + o, o);
    }
  };
  const incomingZero = (w: WeightLayer, u: number): boolean => {
    for (let i = 0; i < w.fanIn; i++) if (w.kernel[i * w.units + u] !== 0) return false;
    return true;
  };
  let changed = true;
  const clear = (kernel: Float32Array, at: number) => {
    if (kernel[at] === 0) return;
    kernel[at] = 0;
    zeroed++;
    changed = true;
  };
  while (changed) {
    changed = false;
    for (const p of pairs) {
      const { a, b } = p;
      for (let u = 0; u < a.units; u++) {
        // unit u of a feeds nothing: its incoming weights are dead
        let consumed = false;
        forEachReading(p, u, (flat) => {
          if (b.kernel[flat] !== 0) consumed = true;
        });
        if (!consumed) {
          for (let i = 0; i < a.fanIn; i++) clear(a.kernel, i * a.units + u);
          continue;
        }
        if (!incomingZero(a, u)) continue;
        // unit u of a emits the constant act(bias): move it into b's bias
        let c: number | undefined = a.bias?.[u] ?? 0;
        for (const act of p.link.activations) c = c === undefined ? undefined : applyActivation(act, c);
        if (c === undefined) continue;
        if (c !== 0) {
          const foldable = p.link.constantSurvives && b.bias !== undefined && input.canFoldInto(b.biasName) && (b.kind === 'dense' || b.padding === 'valid');
          if (!foldable) continue;
          const add = new Float64Array(b.units);
          forEachReading(p, u, (flat, o) => {
            add[o] += b.kernel[flat];
          });
          for (let o = 0; o < b.units; o++) if (add[o] !== 0) b.bias![o] = Math.fround(b.bias![o] + c * add[o]);
          folded++;
        }
        forEachReading(p, u, (flat) => clear(b.kernel, flat));
      }
    }
  }
  // a unit that feeds nothing (every weight reading it is 0) cannot reach the output: nor can its bias
  let biasesZeroed = 0;
  for (const p of pairs) {
    const { a, b } = p;
    if (!a.bias) continue; // (0 is on every codebook: code 0)
    for (let u = 0; u < a.units; u++) {
      if (a.bias[u] === 0) continue;
      let consumed = false;
      forEachReading(p, u, (flat) => {
        if (b.kernel[flat] !== 0) consumed = true;
      });
      if (!consumed) {
        a.bias[u] = 0;
        biasesZeroed++;
      }
    }
  }
  return { zeroed, folded, biasesZeroed, skipped };
}
