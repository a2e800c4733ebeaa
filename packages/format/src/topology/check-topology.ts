import { dims, elements, fail, fmt, isDict, LayerConfig, pythonicToTs, type Dict, type ImpliedWeight, type Shape } from './config.js';
import { innerLayer, LAYERS, type WeightDef } from './layers.js';

/** Bounds on a topology, checked before anything is built. */
export const TOPOLOGY_LIMITS = {
  /** Layers in all, nested models included. */
  layers: 4096,
  /** Models nested inside models. */
  depth: 8,
  /** Elements of one layer output for one example (2^25, 128 MiB as float32). */
  activationElements: 2 ** 25,
} as const;

/** What a checked topology builds: input and output shapes, and its weights in tfjs's order. */
export interface TopologySummary {
  readonly inputs: readonly Shape[];
  readonly outputs: readonly Shape[];
  /** Trainable weights first, then the others, each in layer order (tfjs's `model.weights`). */
  readonly weights: readonly ImpliedWeight[];
}

type LayerWeight = ImpliedWeight;

interface ModelInfo {
  readonly inputs: Shape[];
  readonly outputs: Shape[];
  /** In layer order with effective trainability; partitioned at the top. */
  readonly weights: LayerWeight[];
}

interface Budget {
  layers: number;
}

const MODEL_CLASSES = ['Sequential', 'Model', 'Functional'];
/** Tries of tfjs's build queue allowed (a 4,096-layer chain listed backwards needs 8.4M). */
const MAX_BUILD_CHECKS = 2 ** 24;
const RNN_CLASSES = ['SimpleRNN', 'LSTM', 'GRU'];

/** Every layer class the checker accepts (tfjs class names), nested models and wrappers included. */
export const KNOWN_LAYER_CLASSES: readonly string[] = [...Object.keys(LAYERS), 'InputLayer', 'TimeDistributed', 'Bidirectional', ...MODEL_CLASSES].sort();

/** The batch input shape a layer declares (tfjs's Layer constructor), or null if none. */
function declaredInput(className: string, config: Dict, layer: string): Shape | null {
  if (config.batchInputShape !== undefined && config.batchInputShape !== null) return dims(config.batchInputShape, layer, 'batch_input_shape');
  if (config.inputShape !== undefined && config.inputShape !== null) return [null, ...dims(config.inputShape, layer, 'input_shape')];
  if (className === 'Dense' && config.inputDim !== undefined && config.inputDim !== null) return [null, ...dims([config.inputDim], layer, 'input_dim')];
  if (className === 'Embedding') return [null, ...(config.inputLength === undefined || config.inputLength === null ? [null] : dims(Array.isArray(config.inputLength) ? config.inputLength : [config.inputLength], layer, 'input_length'))];
  return null;
}

function checkActivation(layer: string, shapes: readonly Shape[]): void {
  for (const s of shapes) {
    const n = elements(s);
    if (n !== null && n > TOPOLOGY_LIMITS.activationElements) {
      fail('E_FORMAT_LIMIT', `Expected layer outputs of at most ${TOPOLOGY_LIMITS.activationElements} elements per example, got ${fmt(s)} out of layer '${layer}'`);
    }
  }
}

function compatible(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => i === 0 || d === null || b[i] === null || d === b[i]);
}

interface LayerEntry {
  readonly name: string;
  readonly className: string;
  readonly config: Dict;
}

function entryOf(raw: unknown, where: string, nameFrom: 'entry' | 'config'): LayerEntry {
  if (!isDict(raw) || typeof raw.className !== 'string' || !(isDict(raw.config) || (Array.isArray(raw.config) && raw.className === 'Sequential'))) {
    fail('E_FORMAT_TOPOLOGY', `Expected each layer of ${where} to be a {class_name, config} object, got ${JSON.stringify(raw)?.slice(0, 80)}`);
  }
  const config = (Array.isArray(raw.config) ? { layers: raw.config } : raw.config) as Dict;
  const name = nameFrom === 'entry' ? raw.name : config.name;
  if (typeof name !== 'string' || name.length === 0 || name.length > 512) fail('E_FORMAT_LAYER_NAME', `Expected every layer of ${where} to have a name, got ${JSON.stringify(name)}`);
  // tfjs names the layer (and so its weights) from config.name, and makes one up when it is missing
  if (nameFrom === 'entry' && config.name !== name) fail('E_FORMAT_LAYER_NAME', `Expected layer '${name}' of ${where} to carry the same name in its config, got '${String(config.name)}'`);
  if (!KNOWN_LAYER_CLASSES.includes(raw.className)) fail('E_FORMAT_LAYER_CLASS', `Expected a known layer class for layer '${name}', got '${raw.className}'`);
  return { name, className: raw.className, config };
}

/** Apply one (non-input) layer to its input shapes: its outputs and the weights it builds. */
function applyLayer(e: LayerEntry, inputs: readonly Shape[], depth: number, budget: Budget): { outputs: Shape[]; weights: LayerWeight[] } {
  // tfjs tests `trainable` for truth
  const trainable = e.config.trainable === undefined || e.config.trainable === null ? true : Boolean(e.config.trainable);
  const full = (defs: readonly WeightDef[], prefix: string): LayerWeight[] =>
    defs.map((w) => ({ name: `${prefix}/${w.name}`, shape: w.shape, trainable: trainable && w.trainable !== false, layer: e.name }));
  if (MODEL_CLASSES.includes(e.className)) {
    const inner = nestedModel(e, depth, budget);
    if (inner.inputs.length !== inputs.length || !inner.inputs.every((s, i) => compatible(s, inputs[i]))) {
      fail('E_FORMAT_SHAPE', `Expected nested model '${e.name}' to be called on ${inner.inputs.map(fmt).join(', ')}, got ${inputs.map(fmt).join(', ')}`);
    }
    return { outputs: inner.outputs, weights: inner.weights };
  }
  const cfg = new LayerConfig(e.name, e.className, e.config);
  cfg.common();
  if (e.className === 'TimeDistributed' || e.className === 'Bidirectional') {
    if (inputs.length !== 1) fail('E_FORMAT_INBOUND', `Expected one input for layer '${e.name}' (${e.className}), got ${inputs.length}`);
    const [s] = inputs;
    const inner = innerLayer(cfg);
    if (e.className === 'TimeDistributed') {
      if (s.length < 3) fail('E_FORMAT_SHAPE', `Expected an input of rank 3 or more for layer '${e.name}' (TimeDistributed), got ${fmt(s)}`);
      const r = inner.spec.apply(inner.config, [[s[0], ...s.slice(2)]]);
      return { outputs: r.outputs.map((o) => [s[0], s[1], ...o.slice(1)]), weights: full(r.weights, e.name) };
    }
    if (!RNN_CLASSES.includes(inner.className)) fail('E_FORMAT_LAYER_CLASS', `Expected a recurrent layer inside layer '${e.name}' (Bidirectional), got '${inner.className}'`);
    if (inner.config.has('returnState') && inner.config.raw.returnState !== false) cfg.bad('an inner layer without return_state');
    const mode = e.config.mergeMode === null ? null : cfg.oneOf('mergeMode', ['concat', 'sum', 'mul', 'ave'], 'concat');
    const r = inner.spec.apply(inner.config, [s]);
    const o = r.outputs[0];
    const outputs = mode === null ? [o, o] : mode === 'concat' ? [[...o.slice(0, -1), (o[o.length - 1] as number) * 2]] : [o];
    return { outputs, weights: [...full(r.weights, `${e.name}/forward_${inner.config.layer}`), ...full(r.weights, `${e.name}/backward_${inner.config.layer}`)] };
  }
  const spec = LAYERS[e.className];
  if (spec.arity === 1 && inputs.length !== 1) fail('E_FORMAT_INBOUND', `Expected one input for layer '${e.name}' (${e.className}), got ${inputs.length}`);
  if (spec.arity === 'many' && inputs.length < 2) fail('E_FORMAT_INBOUND', `Expected two or more inputs for layer '${e.name}' (${e.className}), got ${inputs.length}`);
  const r = spec.apply(cfg, inputs);
  return { outputs: r.outputs, weights: full(r.weights, e.name) };
}

const nested = new WeakMap<LayerEntry, ModelInfo>();

/** A model used as a layer, checked once however often it is called. */
function nestedModel(e: LayerEntry, depth: number, budget: Budget): ModelInfo {
  let info = nested.get(e);
  if (!info) {
    info = model(e.className, e.config, depth + 1, budget);
    nested.set(e, info);
  }
  return info;
}

function sameWeights(a: readonly LayerWeight[], b: readonly LayerWeight[]): boolean {
  return a.length === b.length && a.every((w, i) => w.name === b[i].name && w.shape.length === b[i].shape.length && w.shape.every((d, k) => d === b[i].shape[k]));
}

function countLayers(n: number, budget: Budget): void {
  budget.layers += n;
  if (budget.layers > TOPOLOGY_LIMITS.layers) fail('E_FORMAT_LIMIT', `Expected at most ${TOPOLOGY_LIMITS.layers} layers in all, got more`);
}

function sequential(config: Dict, depth: number, budget: Budget): ModelInfo {
  const where = `Sequential '${String(config.name ?? '')}'`;
  if (!Array.isArray(config.layers) || config.layers.length === 0) fail('E_FORMAT_TOPOLOGY', `Expected ${where} to list its layers, got none`);
  countLayers(config.layers.length, budget);
  const entries = config.layers.map((l) => entryOf(l, where, 'config'));
  const seen = new Set<string>();
  for (const e of entries) {
    if (seen.has(e.name)) fail('E_FORMAT_LAYER_NAME', `Expected unique layer names in ${where}, got '${e.name}' twice`);
    seen.add(e.name);
  }
  let inputs: Shape[];
  let current: Shape[];
  const weights: LayerWeight[] = [];
  let rest = entries;
  const first = entries[0];
  if (first.className === 'InputLayer') {
    inputs = [inputLayerShape(first)];
    current = inputs;
    rest = entries.slice(1);
  } else if (MODEL_CLASSES.includes(first.className)) {
    const inner = nestedModel(first, depth, budget);
    inputs = inner.inputs;
    current = inner.outputs;
    weights.push(...inner.weights);
    rest = entries.slice(1);
  } else {
    const declared = declaredInput(first.className, first.config, first.name);
    if (!declared) fail('E_FORMAT_TOPOLOGY', `Expected the first layer of ${where} ('${first.name}') to declare its input shape, got none`);
    inputs = [declared];
    current = inputs;
  }
  for (const e of rest) {
    if (current.length !== 1) fail('E_FORMAT_TOPOLOGY', `Expected every layer of ${where} to have one output, got ${current.length} before '${e.name}'`);
    if (e.className === 'InputLayer') fail('E_FORMAT_TOPOLOGY', `Expected an InputLayer only first in ${where}, got '${e.name}' later`);
    const r = applyLayer(e, current, depth, budget);
    checkActivation(e.name, r.outputs);
    current = r.outputs;
    weights.push(...r.weights);
  }
  if (current.length !== 1) fail('E_FORMAT_TOPOLOGY', `Expected the last layer of ${where} to have one output, got ${current.length}`);
  return { inputs, outputs: current, weights };
}

function inputLayerShape(e: LayerEntry): Shape {
  new LayerConfig(e.name, e.className, e.config).common();
  if (e.config.batchInputShape != null && e.config.inputShape != null) fail('E_FORMAT_LAYER_CONFIG', `Expected InputLayer '${e.name}' to have batch_input_shape or input_shape, got both`);
  const s = declaredInput('InputLayer', e.config, e.name);
  if (!s) fail('E_FORMAT_LAYER_CONFIG', `Expected InputLayer '${e.name}' to have a batch_input_shape or input_shape, got neither`);
  return s;
}

type Ref = readonly [string, number, number];

function refOf(v: unknown, where: string): Ref {
  if (!Array.isArray(v) || v.length < 3 || v.length > 4 || typeof v[0] !== 'string' || !Number.isSafeInteger(v[1]) || v[1] < 0 || !Number.isSafeInteger(v[2]) || v[2] < 0 || (v.length === 4 && v[3] !== null && !isDict(v[3]))) {
    fail('E_FORMAT_INBOUND', `Expected ${where} to be [layer name, node index, tensor index, kwargs?], got ${JSON.stringify(v)?.slice(0, 80)}`);
  }
  return [v[0], v[1], v[2]];
}

interface Created {
  readonly entry: LayerEntry;
  /** Per created node: output shapes and the nodes it read from (`internal`: a nested model's own node 0). */
  readonly nodes: { outputs: Shape[]; from: Ref[]; internal?: boolean }[];
  weights?: LayerWeight[];
}

/**
 * A functional model, rebuilt the way tfjs's Container.fromConfig rebuilds it (same queue,
 * same order), on shapes instead of tensors: a node that can never be built (a cycle, or an
 * input that does not exist) is an error here instead of an endless loop there.
 */
function functional(config: Dict, depth: number, budget: Budget): ModelInfo {
  const where = `model '${String(config.name ?? '')}'`;
  if (!Array.isArray(config.layers) || config.layers.length === 0) fail('E_FORMAT_TOPOLOGY', `Expected ${where} to list its layers, got none`);
  countLayers(config.layers.length, budget);
  const raws = config.layers as unknown[];
  const entries = raws.map((l) => entryOf(l, where, 'entry'));
  const byName = new Map<string, Created>();
  const calls = new Map<string, number>();
  /** Per layer (config order), the calls not built yet; refs point at the Created they read. */
  const pending: { refs: Ref[]; srcs: Created[] }[][] = entries.map(() => []);
  for (const e of entries) {
    if (byName.has(e.name)) fail('E_FORMAT_LAYER_NAME', `Expected unique layer names in ${where}, got '${e.name}' twice`);
    // an InputLayer has its node from the start, and so has a nested model (its own inputs to outputs)
    const first = e.className === 'InputLayer' ? [{ outputs: [inputLayerShape(e)], from: [] }] : MODEL_CLASSES.includes(e.className) ? [{ outputs: nestedModel(e, depth, budget).outputs, from: [], internal: true }] : [];
    byName.set(e.name, { entry: e, nodes: first });
  }
  const inbounds = entries.map((e, i) => {
    const inbound = (raws[i] as Dict).inboundNodes;
    if (!Array.isArray(inbound)) fail('E_FORMAT_INBOUND', `Expected layer '${e.name}' to list its inbound nodes, got ${JSON.stringify(inbound)}`);
    if (e.className === 'InputLayer' && inbound.length > 0) fail('E_FORMAT_INBOUND', `Expected InputLayer '${e.name}' to have no inbound nodes, got ${inbound.length}`);
    calls.set(e.name, (byName.get(e.name) as Created).nodes.length + inbound.length);
    return inbound;
  });
  let nodeCount = 0;
  entries.forEach((e, i) => {
    const inbound = inbounds[i];
    nodeCount += inbound.length;
    if (nodeCount > 4 * TOPOLOGY_LIMITS.layers) fail('E_FORMAT_LIMIT', `Expected at most ${4 * TOPOLOGY_LIMITS.layers} layer calls in ${where}, got more`);
    for (const node of inbound) {
      if (!Array.isArray(node) || node.length === 0) fail('E_FORMAT_INBOUND', `Expected each inbound node of layer '${e.name}' to name its inputs, got ${JSON.stringify(node)?.slice(0, 80)}`);
      const refs = node.map((r) => refOf(r, `an input of layer '${e.name}'`));
      for (const [from, index] of refs) {
        const n = calls.get(from);
        if (n === undefined) fail('E_FORMAT_INBOUND', `Expected layer '${e.name}' to take its input from a layer of ${where}, got '${from}', which is not in it`);
        if (index >= n) fail('E_FORMAT_INBOUND', `Expected layer '${e.name}' to read node ${index} of layer '${from}', which has ${n}, got a node that does not exist`);
      }
      pending[i].push({ refs, srcs: refs.map(([from]) => byName.get(from) as Created) });
    }
  });
  // tfjs: while calls remain, walk the layers in config order and build every call whose
  // inputs exist (a call waiting on a later layer waits for the next round). Same order as
  // tfjs, so the same node indices; the rounds are bounded where tfjs's are not.
  // (in place, without allocating per round: a long chain listed backwards takes n rounds)
  const active = entries.map((_e, i) => i).filter((i) => pending[i].length > 0);
  let checks = 0;
  while (active.length > 0) {
    let built = false;
    let stillActive = 0;
    for (const li of active) {
      const e = entries[li];
      const list = pending[li];
      let kept = 0;
      const n = list.length;
      for (let c = 0; c < n; c++) {
        const call = list[c];
        checks++;
        let ready = true;
        for (let k = 0; k < call.refs.length; k++) {
          if (call.srcs[k].nodes.length <= call.refs[k][1]) {
            ready = false;
            break;
          }
        }
        if (!ready) {
          list[kept++] = call;
          continue;
        }
        const inputs = call.refs.map(([from, index, t], k) => {
          const outs = call.srcs[k].nodes[index].outputs;
          if (t >= outs.length) fail('E_FORMAT_INBOUND', `Expected layer '${e.name}' to read output ${t} of layer '${from}', which has ${outs.length}, got one that does not exist`);
          return outs[t];
        });
        const created = byName.get(e.name) as Created;
        const r = applyLayer(e, inputs, depth, budget);
        checkActivation(e.name, r.outputs);
        if (!created.weights) created.weights = r.weights;
        else if (!sameWeights(created.weights, r.weights)) fail('E_FORMAT_SHAPE', `Expected shared layer '${e.name}' to be called on inputs its weights fit, got ${inputs.map(fmt).join(', ')}`);
        created.nodes.push({ outputs: r.outputs, from: call.refs });
        built = true;
      }
      if (kept !== n) list.length = kept;
      if (kept > 0) active[stillActive++] = li;
    }
    if (stillActive !== active.length) active.length = stillActive;
    if (!built) fail('E_FORMAT_CYCLE', `Expected layer calls that can be ordered, got layer '${entries[active[0]].name}' waiting on its own output (a cycle in ${where})`);
    if (checks > MAX_BUILD_CHECKS) fail('E_FORMAT_LIMIT', `Expected layer calls that can be ordered in at most ${MAX_BUILD_CHECKS} tries, got more in ${where}`);
  }
  const ends = (key: 'inputLayers' | 'outputLayers'): Ref[] => {
    const list = config[key];
    if (!Array.isArray(list) || list.length === 0) fail('E_FORMAT_IO', `Expected ${where} to list its ${key === 'inputLayers' ? 'inputs' : 'outputs'}, got none`);
    return list.map((r) => {
      const ref = refOf(r, `a model ${key === 'inputLayers' ? 'input' : 'output'} of ${where}`);
      const src = byName.get(ref[0]);
      if (!src || ref[1] >= src.nodes.length || ref[2] >= src.nodes[ref[1]].outputs.length) fail('E_FORMAT_IO', `Expected the ${key === 'inputLayers' ? 'inputs' : 'outputs'} of ${where} to exist, got '${ref[0]}' node ${ref[1]} output ${ref[2]}, which does not`);
      if (key === 'inputLayers' && (src.entry.className !== 'InputLayer' || ref[1] !== 0 || ref[2] !== 0)) fail('E_FORMAT_IO', `Expected the inputs of ${where} to be InputLayers, got '${ref[0]}' (${src.entry.className})`);
      return ref;
    });
  };
  const inputRefs = ends('inputLayers');
  const outputRefs = ends('outputLayers');
  const inputNames = inputRefs.map((r) => r[0]);
  if (new Set(inputNames).size !== inputNames.length) fail('E_FORMAT_IO', `Expected each input of ${where} once, got one twice`);
  const outputKeys = outputRefs.map((r) => r.join('\u0000'));
  if (new Set(outputKeys).size !== outputKeys.length) fail('E_FORMAT_IO', `Expected each output of ${where} once, got one twice`);
  // the model holds the layers its outputs depend on; every InputLayer among them must be a model input
  const reached = new Set<string>();
  const stack: Ref[] = [...outputRefs];
  const visited = new Set<string>();
  while (stack.length > 0) {
    const [name, index] = stack.pop() as Ref;
    const key = `${name}\u0000${index}`;
    if (visited.has(key)) continue;
    visited.add(key);
    reached.add(name);
    const src = byName.get(name) as Created;
    if (src.nodes[index].internal) fail('E_FORMAT_IO', `Expected the outputs of ${where} to depend on its inputs only, got node 0 of nested model '${name}', which does not`);
    if (src.entry.className === 'InputLayer' && !inputNames.includes(name)) fail('E_FORMAT_IO', `Expected every input the outputs of ${where} depend on to be a model input, got InputLayer '${name}', which is not`);
    stack.push(...src.nodes[index].from);
  }
  const weights = entries.filter((e) => reached.has(e.name)).flatMap((e) => (byName.get(e.name) as Created).weights ?? []);
  return {
    inputs: inputRefs.map(([n]) => (byName.get(n) as Created).nodes[0].outputs[0]),
    outputs: outputRefs.map(([n, i, t]) => (byName.get(n) as Created).nodes[i].outputs[t]),
    weights,
  };
}

function model(className: string, config: Dict, depth: number, budget: Budget): ModelInfo {
  if (depth > TOPOLOGY_LIMITS.depth) fail('E_FORMAT_LIMIT', `Expected models nested at most ${TOPOLOGY_LIMITS.depth} deep, got deeper`);
  return className === 'Sequential' ? sequential(config, depth, budget) : functional(config, depth, budget);
}

/**
 * Check a tfjs layers topology (as in model.json or a .sws header) without tfjs: known
 * layer classes, unique names, inbound nodes that exist, no cycles, model inputs and
 * outputs that exist, bounded size, and every layer's config consistent with its input
 * shapes. Returns the shapes and the weights tfjs would build, in `model.weights` order.
 * Throws a SoftshareError with an E_FORMAT_* code naming the layer.
 *
 * @example
 * const { weights } = checkLayersTopology(modelJson.modelTopology);
 */
export function checkLayersTopology(topology: unknown): TopologySummary {
  let top = topology;
  if (isDict(top) && top.model_config !== undefined && top.model_config !== null) top = top.model_config;
  const ts = pythonicToTs(top);
  if (!isDict(ts) || typeof ts.className !== 'string' || !MODEL_CLASSES.includes(ts.className) || !(isDict(ts.config) || (ts.className === 'Sequential' && Array.isArray(ts.config)))) {
    fail('E_FORMAT_TOPOLOGY', `Expected a tfjs layers topology (class_name Sequential, Model or Functional with a config), got ${isDict(ts) ? `class_name ${JSON.stringify(ts.className)}` : 'something else'}`);
  }
  const config = (Array.isArray(ts.config) ? { layers: ts.config } : ts.config) as Dict;
  const info = model(ts.className, config, 0, { layers: 0 });
  return {
    inputs: info.inputs,
    outputs: info.outputs,
    weights: [...info.weights.filter((w) => w.trainable), ...info.weights.filter((w) => !w.trainable)],
  };
}

/** A weight as a tensor table or a weights manifest lists it. */
export interface WeightEntry {
  readonly name: string;
  readonly shape: readonly number[];
}

/**
 * Check that `table` holds exactly the weights `topology` builds: no weight missing, none
 * extra, none twice, every shape equal, and (with `ordered`, as the .sws writer stores
 * them) in tfjs's `model.weights` order. Throws E_FORMAT_WEIGHTS naming the layer.
 *
 * @example
 * checkTopologyWeights(header.modelTopology, header.tensors, { ordered: true });
 */
export function checkTopologyWeights(topology: unknown, table: readonly WeightEntry[], options: { ordered?: boolean } = {}): TopologySummary {
  const summary = checkLayersTopology(topology);
  const implied = new Map<string, ImpliedWeight>();
  for (const w of summary.weights) {
    if (implied.has(w.name)) fail('E_FORMAT_WEIGHTS', `Expected one weight per name, got two layers building '${w.name}'`);
    implied.set(w.name, w);
  }
  const listed = new Set<string>();
  table.forEach((t) => {
    if (listed.has(t.name)) fail('E_FORMAT_WEIGHTS', `Expected each weight once in the tensor table, got '${t.name}' twice`);
    listed.add(t.name);
    const w = implied.get(t.name);
    if (!w) fail('E_FORMAT_WEIGHTS', `Expected only weights the topology builds, got '${t.name}', which no layer has`);
    if (t.shape.length !== w.shape.length || t.shape.some((d, k) => d !== w.shape[k])) fail('E_FORMAT_WEIGHTS', `Expected '${t.name}' of layer '${w.layer}' to have shape [${w.shape.join(', ')}], got [${t.shape.join(', ')}]`);
  });
  for (const w of summary.weights) if (!listed.has(w.name)) fail('E_FORMAT_WEIGHTS', `Expected every weight the topology builds, got no '${w.name}' for layer '${w.layer}'`);
  if (options.ordered) {
    table.forEach((t, i) => {
      if (summary.weights[i].name !== t.name) fail('E_FORMAT_WEIGHTS', `Expected the tensor table in the model's weight order, got '${t.name}' at ${i} where '${summary.weights[i].name}' of layer '${summary.weights[i].layer}' belongs`);
    });
  }
  return summary;
}
