import { fail, fmt, isDict, LayerConfig, type Shape } from './config.js';

/** A weight as a layer creates it: its short name (tfjs prefixes the layer's name). */
export interface WeightDef {
  readonly name: string;
  readonly shape: readonly number[];
  readonly trainable?: boolean;
}

export interface Applied {
  readonly outputs: Shape[];
  readonly weights: WeightDef[];
}

/**
 * What one tfjs layer class does to shapes and which weights it builds, mirroring
 * tfjs-layers 4.x. `arity` 1: exactly one input tensor; 'many': two or more.
 */
export interface LayerSpec {
  readonly arity: 1 | 'many';
  apply(cfg: LayerConfig, inputs: readonly Shape[]): Applied;
}

function known(cfg: LayerConfig, shape: Shape, axis: number, what: string): number {
  const d = shape[axis];
  if (d === null || d === undefined) fail('E_FORMAT_SHAPE', `Expected a known ${what} for layer '${cfg.layer}' (${cfg.className}), got input ${fmt(shape)}`);
  return d;
}

function rank(cfg: LayerConfig, shape: Shape, r: number | readonly number[]): void {
  const ok = typeof r === 'number' ? shape.length === r : r.includes(shape.length);
  if (!ok) fail('E_FORMAT_SHAPE', `Expected an input of rank ${typeof r === 'number' ? r : r.join(' or ')} for layer '${cfg.layer}' (${cfg.className}), got ${fmt(shape)}`);
}

function positive(cfg: LayerConfig, shape: Shape): Shape {
  for (const d of shape) if (d !== null && (d < 1 || !Number.isSafeInteger(d))) fail('E_FORMAT_SHAPE', `Expected positive dimensions out of layer '${cfg.layer}' (${cfg.className}), got ${fmt(shape)}`);
  return shape;
}

const one = (outputs: Shape, weights: WeightDef[] = []): Applied => ({ outputs: [outputs], weights });

const identity: LayerSpec = { arity: 1, apply: (_c, [s]) => one(s) };

function convLength(n: number | null, k: number, padding: string, stride: number, dilation: number): number | null {
  if (n === null) return null;
  const dk = k + (k - 1) * (dilation - 1);
  const out = padding === 'same' ? n : n - dk + 1;
  return Math.floor((out + stride - 1) / stride);
}

function deconvLength(n: number | null, stride: number, k: number, padding: string): number | null {
  if (n === null) return null;
  return padding === 'valid' ? n * stride + Math.max(k - stride, 0) : n * stride;
}

/** The input seen channels-last (tfjs transposes channels-first inputs the same way). */
function channelsLast(cfg: LayerConfig, s: Shape): { view: Shape; back: (o: Shape) => Shape } {
  const format = cfg.oneOf('dataFormat', ['channelsLast', 'channelsFirst'], 'channelsLast');
  if (format === 'channelsLast') return { view: s, back: (o) => o };
  return { view: [s[0], ...s.slice(2), s[1]], back: (o) => [o[0], o[o.length - 1], ...o.slice(1, -1)] };
}

function conv(n: number, kind: 'conv' | 'transpose' | 'depthwise' | 'separable'): LayerSpec {
  return {
    arity: 1,
    apply(cfg, [input]) {
      rank(cfg, input, n + 2);
      const { view, back } = channelsLast(cfg, input);
      const inC = known(cfg, view, n + 1, 'channel dimension');
      const k = cfg.tuple('kernelSize', n, undefined);
      const strides = cfg.tuple('strides', n, 1);
      const dilation = cfg.tuple('dilationRate', n, 1);
      const padding = cfg.oneOf('padding', ['valid', 'same'], 'valid');
      const useBias = cfg.bool('useBias', true);
      const spatial = view.slice(1, n + 1).map((d, i) =>
        kind === 'transpose' ? deconvLength(d, strides[i], k[i], padding) : convLength(d, k[i], padding, strides[i], dilation[i]),
      );
      const weights: WeightDef[] = [];
      let outC: number;
      if (kind === 'depthwise' || kind === 'separable') {
        const dm = cfg.int('depthMultiplier', 1);
        weights.push({ name: 'depthwise_kernel', shape: [...k, inC, dm] });
        if (kind === 'separable') {
          outC = cfg.int('filters', undefined);
          weights.push({ name: 'pointwise_kernel', shape: [...Array<number>(n).fill(1), inC * dm, outC] });
        } else outC = inC * dm;
      } else {
        outC = cfg.int('filters', undefined);
        weights.push({ name: 'kernel', shape: kind === 'transpose' ? [...k, outC, inC] : [...k, inC, outC] });
      }
      if (useBias) weights.push({ name: 'bias', shape: [outC] });
      return one(positive(cfg, back([view[0], ...spatial, outC])), weights);
    },
  };
}

function pooling(n: number): LayerSpec {
  return {
    arity: 1,
    apply(cfg, [input]) {
      rank(cfg, input, n + 2);
      const { view, back } = channelsLast(cfg, input);
      const pool = cfg.tuple('poolSize', n, 2);
      const strides = cfg.has('strides') ? cfg.tuple('strides', n, undefined) : pool;
      const padding = cfg.oneOf('padding', ['valid', 'same'], 'valid');
      const spatial = view.slice(1, n + 1).map((d, i) => convLength(d, pool[i], padding, strides[i], 1));
      return one(positive(cfg, back([view[0], ...spatial, view[n + 1]])));
    },
  };
}

function globalPooling(n: number): LayerSpec {
  return {
    arity: 1,
    apply(cfg, [input]) {
      rank(cfg, input, n + 2);
      const { view } = channelsLast(cfg, input);
      return one([view[0], view[n + 1]]);
    },
  };
}

function recurrent(gates: number): LayerSpec {
  return {
    arity: 1,
    apply(cfg, [input]) {
      rank(cfg, input, 3);
      const features = known(cfg, input, 2, 'feature dimension');
      // tfjs throws from inside build otherwise, and a throw there leaves its name scope dirty
      if (cfg.bool('stateful', false) && input[0] === null) fail('E_FORMAT_SHAPE', `Expected a known batch size for stateful layer '${cfg.layer}' (${cfg.className}), got input ${fmt(input)}`);
      const units = cfg.int('units', undefined);
      const weights: WeightDef[] = [
        { name: 'kernel', shape: [features, gates * units] },
        { name: 'recurrent_kernel', shape: [units, gates * units] },
      ];
      if (cfg.bool('useBias', true)) weights.push({ name: 'bias', shape: [gates * units] });
      const seq: Shape = cfg.bool('returnSequences', false) ? [input[0], input[1], units] : [input[0], units];
      const states = cfg.bool('returnState', false) ? (gates === 4 ? 2 : 1) : 0;
      return { outputs: [seq, ...Array<Shape>(states).fill([input[0], units])], weights };
    },
  };
}

/** tfjs's computeElementwiseOpOutputShape folded over two or more inputs (batch axis aside). */
const elementwise: LayerSpec = {
  arity: 'many',
  apply(cfg, inputs) {
    const broadcast = (a: Shape, b: Shape): Shape => {
      if (a.length < b.length) return broadcast(b, a);
      const out = a.slice(0, a.length - b.length);
      for (let k = 0; k < b.length; k++) {
        const i = a[a.length - b.length + k];
        const j = b[k];
        if (i === null || j === null) out.push(null);
        else if (i === 1) out.push(j);
        else if (j === 1 || i === j) out.push(i);
        else fail('E_FORMAT_SHAPE', `Expected inputs of broadcastable shapes for layer '${cfg.layer}' (${cfg.className}), got ${inputs.map(fmt).join(' and ')}`);
      }
      return out;
    };
    return one([null, ...inputs.map((s): Shape => s.slice(1)).reduce(broadcast)]);
  },
};

const concatenate: LayerSpec = {
  arity: 'many',
  apply(cfg, inputs) {
    const r = inputs[0].length;
    if (!inputs.every((s) => s.length === r)) fail('E_FORMAT_SHAPE', `Expected inputs of one rank for layer '${cfg.layer}' (Concatenate), got ${inputs.map(fmt).join(' and ')}`);
    const raw = cfg.int('axis', -1, -r);
    const axis = raw < 0 ? raw + r : raw;
    if (axis < 1 || axis >= r) cfg.bad(`axis inside the input rank ${r} and not the batch axis, got ${raw}`);
    const out = inputs[0].slice();
    for (const s of inputs.slice(1)) {
      for (let i = 1; i < r; i++) {
        if (i === axis) out[i] = out[i] === null || s[i] === null ? null : (out[i] as number) + (s[i] as number);
        else if (out[i] !== null && s[i] !== null && out[i] !== s[i]) fail('E_FORMAT_SHAPE', `Expected inputs that agree off axis ${raw} for layer '${cfg.layer}' (Concatenate), got ${inputs.map(fmt).join(' and ')}`);
        else if (out[i] === null) out[i] = s[i];
      }
    }
    return one([null, ...out.slice(1)]);
  },
};

function pairs(cfg: LayerConfig, key: string, dflt: number): [[number, number], [number, number]] {
  const v = cfg.has(key) ? cfg.raw[key] : dflt;
  const ok = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
  if (ok(v)) return [[v, v], [v, v]];
  if (Array.isArray(v) && v.length === 2 && ok(v[0]) && ok(v[1])) return [[v[0], v[0]], [v[1], v[1]]];
  if (Array.isArray(v) && v.length === 2 && v.every((p) => Array.isArray(p) && p.length === 2 && p.every(ok))) return v as [[number, number], [number, number]];
  return cfg.bad(`${key} to be an integer >= 0, two of them or two pairs, got ${JSON.stringify(v)}`);
}

function spatial2d(grow: (cfg: LayerConfig, h: number | null, w: number | null) => [number | null, number | null]): LayerSpec {
  return {
    arity: 1,
    apply(cfg, [input]) {
      rank(cfg, input, 4);
      const { view, back } = channelsLast(cfg, input);
      const [h, w] = grow(cfg, view[1], view[2]);
      return one(positive(cfg, back([view[0], h, w, view[3]])));
    },
  };
}

const add = (n: number | null, d: number) => (n === null ? null : n + d);

/** Every layer class the checker knows, by tfjs class name. Nested models are handled by the checker. */
export const LAYERS: Readonly<Record<string, LayerSpec>> = {
  Dense: {
    arity: 1,
    apply(cfg, [input]) {
      if (input.length < 2) rank(cfg, input, [2, 3, 4, 5]);
      const inDim = known(cfg, input, input.length - 1, 'last dimension');
      const units = cfg.int('units', undefined);
      const weights: WeightDef[] = [{ name: 'kernel', shape: [inDim, units] }];
      if (cfg.bool('useBias', true)) weights.push({ name: 'bias', shape: [units] });
      return one([...input.slice(0, -1), units], weights);
    },
  },
  Conv1D: conv(1, 'conv'),
  Conv2D: conv(2, 'conv'),
  Conv3D: conv(3, 'conv'),
  Conv2DTranspose: conv(2, 'transpose'),
  Conv3DTranspose: conv(3, 'transpose'),
  DepthwiseConv2D: conv(2, 'depthwise'),
  SeparableConv2D: conv(2, 'separable'),
  MaxPooling1D: pooling(1),
  MaxPooling2D: pooling(2),
  MaxPooling3D: pooling(3),
  AveragePooling1D: pooling(1),
  AveragePooling2D: pooling(2),
  AveragePooling3D: pooling(3),
  GlobalMaxPooling1D: globalPooling(1),
  GlobalMaxPooling2D: globalPooling(2),
  GlobalAveragePooling1D: globalPooling(1),
  GlobalAveragePooling2D: globalPooling(2),
  SimpleRNN: recurrent(1),
  GRU: recurrent(3),
  LSTM: recurrent(4),
  Embedding: {
    arity: 1,
    apply(cfg, [input]) {
      const inputDim = cfg.int('inputDim', undefined);
      const outputDim = cfg.int('outputDim', undefined);
      const weights = [{ name: 'embeddings', shape: [inputDim, outputDim] }];
      if (!cfg.has('inputLength')) return one([...input, outputDim], weights);
      // tfjs's Embedding.computeOutputShape: input_length must fit the input's dimensions
      const raw = cfg.raw.inputLength;
      const lengths = Array.isArray(raw) ? raw : [raw];
      if (!lengths.every((d) => d === null || (typeof d === 'number' && Number.isSafeInteger(d) && d >= 1))) cfg.bad(`input_length to be positive integers, got ${JSON.stringify(raw)}`);
      if (lengths.length !== input.length - 1) fail('E_FORMAT_SHAPE', `Expected an input of ${lengths.length} dimensions after the batch for layer '${cfg.layer}' (Embedding), got ${fmt(input)}`);
      const out = lengths.map((d: number | null, k: number) => {
        const s = input[k + 1];
        if (d !== null && s !== null && d !== s) fail('E_FORMAT_SHAPE', `Expected an input matching input_length ${JSON.stringify(raw)} for layer '${cfg.layer}' (Embedding), got ${fmt(input)}`);
        return d === null ? s : d;
      });
      return one([input[0], ...out, outputDim], weights);
    },
  },
  BatchNormalization: {
    arity: 1,
    apply(cfg, [input]) {
      const raw = cfg.int('axis', -1, -input.length);
      const axis = raw < 0 ? raw + input.length : raw;
      if (axis < 1 || axis >= input.length) cfg.bad(`axis inside the input rank ${input.length}, got ${raw}`);
      const c = known(cfg, input, axis, `dimension on axis ${raw}`);
      const weights: WeightDef[] = [];
      if (cfg.bool('scale', true)) weights.push({ name: 'gamma', shape: [c] });
      if (cfg.bool('center', true)) weights.push({ name: 'beta', shape: [c] });
      weights.push({ name: 'moving_mean', shape: [c], trainable: false }, { name: 'moving_variance', shape: [c], trainable: false });
      return one(input, weights);
    },
  },
  LayerNormalization: {
    arity: 1,
    apply(cfg, [input]) {
      const v = cfg.has('axis') ? cfg.raw.axis : -1;
      const list: unknown = typeof v === 'number' ? [v] : v;
      if (!Array.isArray(list) || list.length === 0 || list.length > 8) return cfg.bad(`axis to be an integer or a list of them, got ${JSON.stringify(v)}`);
      const axes = list.map((a: unknown) => {
        if (typeof a !== 'number' || !Number.isSafeInteger(a) || a < -input.length || a >= input.length) return cfg.bad(`axes inside the input rank ${input.length}, got ${JSON.stringify(v)}`);
        return a < 0 ? a + input.length : a;
      });
      if (new Set(axes).size !== axes.length || axes.includes(0)) cfg.bad(`distinct axes off the batch axis, got ${JSON.stringify(v)}`);
      const shape = axes.map((a) => known(cfg, input, a, `dimension on axis ${a}`));
      const weights: WeightDef[] = [];
      if (cfg.bool('scale', true)) weights.push({ name: 'gamma', shape });
      if (cfg.bool('center', true)) weights.push({ name: 'beta', shape });
      return one(input, weights);
    },
  },
  PReLU: {
    arity: 1,
    apply(cfg, [input]) {
      const shape = input.slice(1).map((_d, i) => known(cfg, input, i + 1, `dimension ${i + 1}`));
      const v = cfg.raw.sharedAxes;
      if (v !== undefined && v !== null) {
        const list: unknown = typeof v === 'number' ? [v] : v;
        if (!Array.isArray(list)) return cfg.bad(`sharedAxes to be a list of axes, got ${JSON.stringify(v)}`);
        for (const a of list as unknown[]) {
          if (typeof a !== 'number' || !Number.isSafeInteger(a) || a < 1 || a >= input.length) return cfg.bad(`sharedAxes inside 1..${input.length - 1}, got ${JSON.stringify(v)}`);
          shape[a - 1] = 1;
        }
      }
      return one(input, [{ name: 'alpha', shape }]);
    },
  },
  Flatten: {
    arity: 1,
    apply(cfg, [input]) {
      if (input.length < 2) rank(cfg, input, [2, 3, 4, 5]);
      const n = input.slice(1).reduce<number>((p, _d, i) => p * known(cfg, input, i + 1, 'input shape (Flatten needs every dimension)'), 1);
      return one([input[0], n]);
    },
  },
  Reshape: {
    arity: 1,
    apply(cfg, [input]) {
      // tfjs writes -1 as null
      const t = Array.isArray(cfg.raw.targetShape) ? cfg.raw.targetShape.map((d: unknown) => (d === null ? -1 : d)) : cfg.raw.targetShape;
      if (!Array.isArray(t) || t.length === 0 || t.length > 8 || !t.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && (d >= 1 || d === -1)) || t.filter((d) => d === -1).length > 1) {
        cfg.bad(`targetShape to be a list of positive integers with at most one -1, got ${JSON.stringify(t)}`);
      }
      const target = t as number[];
      const inN = input.slice(1).every((d) => d !== null) ? input.slice(1).reduce<number>((p, d) => p * (d as number), 1) : null;
      const fixed = target.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
      if (inN !== null) {
        if (target.includes(-1) ? inN % fixed !== 0 : inN !== fixed) fail('E_FORMAT_SHAPE', `Expected a target shape with ${inN} elements for layer '${cfg.layer}' (Reshape), got ${JSON.stringify(target)}`);
      }
      // tfjs leaves -1 unknown in the symbolic shape (its check counts the batch axis as unknown)
      return one([input[0], ...target.map((d) => (d === -1 ? null : d))]);
    },
  },
  Permute: {
    arity: 1,
    apply(cfg, [input]) {
      const dims = cfg.raw.dims;
      const r = input.length - 1;
      if (!Array.isArray(dims) || dims.length !== r || [...dims].sort((a, b) => Number(a) - Number(b)).some((d, i) => d !== i + 1)) cfg.bad(`dims to be a permutation of 1..${r}, got ${JSON.stringify(dims)}`);
      return one([input[0], ...(dims as number[]).map((d) => input[d])]);
    },
  },
  RepeatVector: {
    arity: 1,
    apply(cfg, [input]) {
      rank(cfg, input, 2);
      return one([input[0], cfg.int('n', undefined), input[1]]);
    },
  },
  UpSampling2D: spatial2d((cfg, h, w) => {
    const [sh, sw] = cfg.tuple('size', 2, 2);
    return [h === null ? null : h * sh, w === null ? null : w * sw];
  }),
  ZeroPadding2D: spatial2d((cfg, h, w) => {
    const [[t, b], [l, r]] = pairs(cfg, 'padding', 1);
    return [add(h, t + b), add(w, l + r)];
  }),
  Cropping2D: spatial2d((cfg, h, w) => {
    const [[t, b], [l, r]] = pairs(cfg, 'cropping', 0);
    return [add(h, -(t + b)), add(w, -(l + r))];
  }),
  Add: elementwise,
  Multiply: elementwise,
  Average: elementwise,
  Maximum: elementwise,
  Minimum: elementwise,
  Concatenate: concatenate,
  Activation: identity,
  ReLU: identity,
  LeakyReLU: identity,
  ELU: identity,
  ThresholdedReLU: identity,
  Softmax: identity,
  Dropout: identity,
  SpatialDropout1D: identity,
  AlphaDropout: identity,
  GaussianDropout: identity,
  GaussianNoise: identity,
  Masking: identity,
  Rescaling: identity,
};

/** Wrapper layers: an inner layer config under `layer`, weights named under the wrapper. */
export function innerLayer(cfg: LayerConfig): { className: string; config: LayerConfig; spec: LayerSpec } {
  const inner = cfg.raw.layer;
  if (!isDict(inner) || typeof inner.className !== 'string' || !isDict(inner.config)) cfg.bad('layer to be a {class_name, config} object');
  const spec = LAYERS[inner.className];
  if (!spec || spec.arity !== 1) fail('E_FORMAT_LAYER_CLASS', `Expected a known single-input layer class inside layer '${cfg.layer}' (${cfg.className}), got '${inner.className}'`);
  const name = typeof inner.config.name === 'string' ? inner.config.name : cfg.layer;
  const config = new LayerConfig(name, inner.className, inner.config);
  config.common();
  return { className: inner.className, config, spec };
}
