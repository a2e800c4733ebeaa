import { fail, isDict } from './config.js';

/** Bounds on a graph model's topology (tfjs-converter's GraphDef JSON), checked before tfjs sees it. */
export const GRAPH_LIMITS = {
  /** Nodes in all, functions' nodes included. */
  nodes: 65536,
  /** Inputs of one node. */
  inputs: 4096,
  /** Functions in the library. */
  functions: 1024,
} as const;

const NODE_KEYS = ['name', 'op', 'input', 'attr', 'device', 'experimentalDebugInfo', 'experimentalType'];

/** What a weight table entry needs for the check: its name and shape. */
interface GraphWeightEntry {
  readonly name: string;
  readonly shape: readonly number[];
}

function str(v: unknown, where: string, max: number): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > max) fail('E_FORMAT_TOPOLOGY', `Expected ${where} to be a string of 1 to ${max} characters, got ${typeof v === 'string' ? `${v.length} characters` : typeof v}`);
  return v;
}

function nodesOf(v: unknown, where: string, budget: { nodes: number }): { name: string; op: string; input: string[] }[] {
  if (!Array.isArray(v)) fail('E_FORMAT_TOPOLOGY', `Expected ${where} to be an array of nodes, got ${typeof v}`);
  budget.nodes += v.length;
  if (budget.nodes > GRAPH_LIMITS.nodes) fail('E_FORMAT_LIMIT', `Expected at most ${GRAPH_LIMITS.nodes} graph nodes in all, got more`);
  return v.map((n, i) => {
    if (!isDict(n)) fail('E_FORMAT_TOPOLOGY', `Expected ${where}[${i}] to be a node object, got ${Array.isArray(n) ? 'an array' : typeof n}`);
    for (const k of Object.keys(n)) if (!NODE_KEYS.includes(k)) fail('E_FORMAT_TOPOLOGY', `Expected node keys ${NODE_KEYS.join(', ')}, got "${k}" in ${where}[${i}]`);
    const name = str(n.name, `${where}[${i}].name`, 512);
    const op = str(n.op, `node '${name}' op`, 128);
    const input = n.input === undefined ? [] : n.input;
    if (!Array.isArray(input) || input.length > GRAPH_LIMITS.inputs) fail('E_FORMAT_TOPOLOGY', `Expected node '${name}' inputs to be an array of at most ${GRAPH_LIMITS.inputs} names`);
    for (const x of input) str(x, `an input of node '${name}'`, 1024);
    if (n.attr !== undefined && !isDict(n.attr)) fail('E_FORMAT_TOPOLOGY', `Expected node '${name}' attr to be an object`);
    return { name, op, input: input as string[] };
  });
}

/** The node an input string names: "^name" (control), "name", "name:2" (an output index). */
function sourceOf(input: string): string {
  const s = input.startsWith('^') ? input.slice(1) : input;
  const colon = s.lastIndexOf(':');
  return colon > 0 && /^\d+$/.test(s.slice(colon + 1)) ? s.slice(0, colon) : s;
}

/**
 * Check a graph model's topology (model.json's `modelTopology` of a tfjs graph model)
 * against its weight table before tfjs builds it: an object of `node` (and optional
 * `library`, `versions`); every node a named op with unique names; every input naming a
 * node of the graph; no cycle except through a NextIteration node (TensorFlow's loop
 * back-edge); every weight the value of a Const node and every Const node given one;
 * bounded counts. Functions in `library` are checked for shape and counted, not traced.
 * Throws SoftshareError E_FORMAT_* naming the node.
 *
 * @example
 * checkGraphTopology(header.modelTopology, header.tensors);
 */
export function checkGraphTopology(topology: unknown, table: readonly GraphWeightEntry[]): { nodes: number } {
  if (!isDict(topology)) fail('E_FORMAT_TOPOLOGY', 'Expected a graph topology object with a node list');
  for (const k of Object.keys(topology)) if (!['node', 'library', 'versions'].includes(k)) fail('E_FORMAT_TOPOLOGY', `Expected graph topology keys node, library, versions, got "${k}"`);
  const budget = { nodes: 0 };
  const nodes = nodesOf(topology.node, 'node', budget);
  if (topology.versions !== undefined && !isDict(topology.versions)) fail('E_FORMAT_TOPOLOGY', 'Expected graph versions to be an object');
  if (topology.library !== undefined) {
    if (!isDict(topology.library)) fail('E_FORMAT_TOPOLOGY', 'Expected graph library to be an object');
    const fns = topology.library.function ?? [];
    if (!Array.isArray(fns) || fns.length > GRAPH_LIMITS.functions) fail('E_FORMAT_LIMIT', `Expected at most ${GRAPH_LIMITS.functions} library functions`);
    fns.forEach((f, i) => {
      if (!isDict(f)) fail('E_FORMAT_TOPOLOGY', `Expected library function ${i} to be an object`);
      if (f.nodeDef !== undefined) nodesOf(f.nodeDef, `library function ${i} nodeDef`, budget);
    });
  }
  const byName = new Map<string, { op: string; input: string[] }>();
  for (const n of nodes) {
    if (byName.has(n.name)) fail('E_FORMAT_LAYER_NAME', `Expected unique node names, got '${n.name}' twice`);
    byName.set(n.name, n);
  }
  // inputs name nodes of the graph; count each node's inputs that are not loop back-edges
  const pending = new Map<string, number>();
  const users = new Map<string, string[]>();
  for (const n of nodes) {
    let count = 0;
    for (const x of n.input) {
      const src = sourceOf(x);
      const from = byName.get(src);
      if (!from) fail('E_FORMAT_INBOUND', `Expected node '${n.name}' to read from nodes of the graph, got '${x}'`);
      if (from.op === 'NextIteration') continue;
      count++;
      const u = users.get(src);
      if (u) u.push(n.name);
      else users.set(src, [n.name]);
    }
    pending.set(n.name, count);
  }
  const ready = nodes.filter((n) => pending.get(n.name) === 0).map((n) => n.name);
  let ordered = 0;
  while (ready.length > 0) {
    const name = ready.pop()!;
    ordered++;
    for (const u of users.get(name) ?? []) {
      const left = pending.get(u)! - 1;
      pending.set(u, left);
      if (left === 0) ready.push(u);
    }
  }
  if (ordered !== nodes.length) {
    const stuck = nodes.find((n) => pending.get(n.name)! > 0)!;
    fail('E_FORMAT_CYCLE', `Expected a graph without cycles (other than through NextIteration), got one through node '${stuck.name}'`);
  }
  const listed = new Set<string>();
  for (const t of table) {
    if (listed.has(t.name)) fail('E_FORMAT_WEIGHTS', `Expected each weight once in the tensor table, got '${t.name}' twice`);
    listed.add(t.name);
    const n = byName.get(t.name);
    if (!n || n.op !== 'Const') fail('E_FORMAT_WEIGHTS', `Expected every weight to be the value of a Const node, got '${t.name}'`);
  }
  for (const n of nodes) if (n.op === 'Const' && !listed.has(n.name)) fail('E_FORMAT_WEIGHTS', `Expected a weight for every Const node, got none for '${n.name}'`);
  return { nodes: budget.nodes };
}
