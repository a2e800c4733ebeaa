import { formatMetric, metricLabel } from './metric.js';
import type { ReportData } from './report-data.js';

const W = 560;
const H = 260;
const M = { l: 48, r: 12, t: 12, b: 32 };
const PALETTE = ['#888888', '#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#393b79', '#637939', '#8c6d31', '#843c39', '#7b4173', '#3182bd', '#e6550d'];

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const f = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '-');

function scale(d0: number, d1: number, r0: number, r1: number) {
  const span = d1 - d0 || 1;
  return (x: number) => r0 + ((x - d0) / span) * (r1 - r0);
}

function axes(xl: string, yl: string, x0: number, x1: number, y0: number, y1: number): string {
  const ticks = (a: number, b: number) => Array.from({ length: 5 }, (_, i) => a + ((b - a) * i) / 4);
  const sx = scale(x0, x1, M.l, W - M.r);
  const sy = scale(y0, y1, H - M.b, M.t);
  const xt = ticks(x0, x1).map((v) => `<text x="${sx(v)}" y="${H - M.b + 14}" text-anchor="middle">${+v.toPrecision(3)}</text>`).join('');
  const yt = ticks(y0, y1).map((v) => `<text x="${M.l - 4}" y="${sy(v) + 3}" text-anchor="end">${+v.toPrecision(3)}</text>`).join('');
  return `<g class="axes"><line x1="${M.l}" y1="${H - M.b}" x2="${W - M.r}" y2="${H - M.b}"/><line x1="${M.l}" y1="${M.t}" x2="${M.l}" y2="${H - M.b}"/>${xt}${yt}<text x="${(W + M.l) / 2}" y="${H - 4}" text-anchor="middle">${esc(xl)}</text><text x="12" y="${(H - M.b) / 2}" transform="rotate(-90 12 ${(H - M.b) / 2})" text-anchor="middle">${esc(yl)}</text></g>`;
}

function histogram(d: ReportData, which: 'before' | 'after', withMixture: boolean): string {
  const { edges } = d.histogram;
  const counts = d.histogram[which].map((c) => Math.log10(1 + c));
  const ymax = Math.max(...counts, 1);
  const sx = scale(edges[0], edges[edges.length - 1], M.l, W - M.r);
  const sy = scale(0, ymax, H - M.b, M.t);
  const bars = counts.map((c, i) => `<rect class="mark" x="${sx(edges[i])}" y="${sy(c)}" width="${Math.max(0.5, sx(edges[i + 1]) - sx(edges[i]) - 0.3)}" height="${H - M.b - sy(c)}" fill="#9ecae1"/>`).join('');
  let curves = '';
  const mixture = withMixture ? d.mixture : undefined;
  if (mixture) {
    const xs = Array.from({ length: 400 }, (_, i) => edges[0] + ((edges[edges.length - 1] - edges[0]) * i) / 399);
    curves = mixture.means
      .map((mu, j) => {
        const s = mixture.stds[j];
        const peak = Math.log10(1 + mixture.proportions[j] * d.histogram.after.reduce((a, b) => a + b, 0));
        const pts = xs.map((x) => `${sx(x).toFixed(1)},${sy(peak * Math.exp((-0.5 * (x - mu) ** 2) / (s * s))).toFixed(1)}`).join(' ');
        return `<polyline class="mark" points="${pts}" fill="none" stroke="${PALETTE[j % PALETTE.length]}" stroke-width="1.2"/>`;
      })
      .join('');
  }
  return `<svg class="plot" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}">${axes('weight value', 'log10(1 + count)', edges[0], edges[edges.length - 1], 0, ymax)}${bars}${curves}</svg>`;
}

function scatter(d: ReportData): string {
  const { before, after, component } = d.scatter;
  const lo = Math.min(...before, ...after);
  const hi = Math.max(...before, ...after);
  const sx = scale(lo, hi, M.l, W - M.r);
  const sy = scale(lo, hi, H - M.b, M.t);
  const dots = before.map((b, i) => `<circle class="mark" cx="${sx(b).toFixed(1)}" cy="${sy(after[i]).toFixed(1)}" r="1.6" fill="${PALETTE[component[i] % PALETTE.length]}" fill-opacity="0.6"/>`).join('');
  return `<svg class="plot" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}">${axes('pretrained weight', 'retrained weight', lo, hi, lo, hi)}${dots}</svg>`;
}

function curves(d: ReportData): string {
  // every figure the first training stage reported per epoch (retrain's losses, test error and zero share; sparsify's), but its timing
  const colors = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b'];
  const names = [...new Set(d.history.flatMap((h) => Object.keys(h)))].filter((k) => k !== 'epoch' && k !== 'seconds');
  const keys: [string, string][] = names.map((k, i) => [k, colors[i % colors.length]]);
  const epochs = d.history.map((h) => h.epoch);
  const e1 = Math.max(1, ...epochs);
  return keys
    .map(([k, color]) => {
      const ys = d.history.map((h) => h[k]).filter(Number.isFinite);
      if (ys.length === 0) return '';
      const y0 = Math.min(...ys);
      const y1 = Math.max(...ys);
      const sx = scale(1, e1, M.l, W - M.r);
      const sy = scale(y0, y1 === y0 ? y0 + 1 : y1, H - M.b, M.t);
      const pts = d.history.filter((h) => Number.isFinite(h[k])).map((h) => `${sx(h.epoch).toFixed(1)},${sy(h[k]).toFixed(1)}`).join(' ');
      const dots = d.history.filter((h) => Number.isFinite(h[k])).map((h) => `<circle class="mark" cx="${sx(h.epoch).toFixed(1)}" cy="${sy(h[k]).toFixed(1)}" r="2" fill="${color}"/>`).join('');
      return `<figure><figcaption>${esc(k)} per epoch</figcaption><svg class="plot" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}">${axes('epoch', k, 1, e1, y0, y1 === y0 ? y0 + 1 : y1)}<polyline class="mark" points="${pts}" fill="none" stroke="${color}" stroke-width="1.5"/>${dots}</svg></figure>`;
    })
    .join('');
}

function breakdown(d: ReportData): string {
  const entries = Object.entries(d.breakdown);
  const max = Math.max(1, ...entries.map(([, v]) => v));
  const rowH = (H - M.t - M.b) / entries.length;
  const sx = scale(0, max, 140, W - 60);
  const bars = entries
    .map(([k, v], i) => {
      const y = M.t + i * rowH;
      return `<text x="134" y="${y + rowH / 2 + 4}" text-anchor="end">${esc(k)}</text><rect class="mark" x="140" y="${y + 3}" width="${Math.max(1, sx(v) - 140)}" height="${rowH - 6}" fill="#6baed6"/><text x="${sx(v) + 4}" y="${y + rowH / 2 + 4}">${v} B</text>`;
    })
    .join('');
  return `<svg class="plot" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}">${bars}</svg>`;
}

/** A shrink run's fidelity: the budget, the written file's figures and every tolerance tried. */
function fidelitySection(fd: NonNullable<ReportData['fidelity']>): string {
  const rows = fd.points.map((p, k) => `<tr><td>${k + 1}</td><td>${+p.tolerance.toPrecision(3)}</td><td>${p.bytes ?? '-'}</td><td>${esc(p.fidelity)}</td><td>${p.withinBudget ? 'yes' : 'no'}</td></tr>`).join('');
  return `<h2>Fidelity to the original (no retraining)</h2><p class="verdict">${esc(fd.written)}; budget: ${esc(fd.budget)}. Calibration: ${esc(fd.calibration)}.</p>
<table class="points"><tr><th>point</th><th>tolerance</th><th>bytes</th><th>fidelity</th><th>within budget</th></tr>${rows}</table>`;
}

/**
 * The budget search's trade-off: validation error (filled) and test error (hollow, measured
 * at the end) against file-size ratio for every point, the front of points no other beats
 * on both, the budget's limit, and the chosen point ringed.
 */
function tradeOff(d: ReportData): string {
  const b = d.budget;
  if (!b || b.points.length === 0) return '';
  const pts = b.points;
  // the error in percent; MSE, MAE and others as they are
  const metric = b.metric ?? 'error';
  const pc = metric === 'error' ? 100 : 1;
  const unit = metric === 'error' ? '%' : '';
  const name = metricLabel(metric);
  const fm = (v: number) => (metric === 'error' ? f(v) : `${+v.toPrecision(4)}`);
  const xs = pts.map((p) => p.file_ratio);
  const ys = pts.flatMap((p) => [p.validation_error, p.test_error]).concat(b.limit === null ? [] : [b.limit], [b.reference_validation_error]).filter(Number.isFinite).map((e) => pc * e);
  const x0 = Math.min(...xs) * 0.95;
  const x1 = Math.max(...xs) * 1.05;
  const y0 = Math.min(...ys) * 0.95;
  const y1 = Math.max(...ys) * 1.05 || 1;
  const sx = scale(x0, x1, M.l, W - M.r);
  const sy = scale(y0, y1, H - M.b, M.t);
  const front = pts.filter((p) => !pts.some((q) => q !== p && q.file_ratio >= p.file_ratio && q.validation_error <= p.validation_error && (q.file_ratio > p.file_ratio || q.validation_error < p.validation_error))).sort((a, c) => a.file_ratio - c.file_ratio);
  const frontLine = `<polyline class="mark front" points="${front.map((p) => `${sx(p.file_ratio).toFixed(1)},${sy(pc * p.validation_error).toFixed(1)}`).join(' ')}" fill="none" stroke="#2ca02c" stroke-width="1.5"/>`;
  const limit = b.limit === null ? '' : `<line class="mark limit" x1="${M.l}" x2="${W - M.r}" y1="${sy(pc * b.limit).toFixed(1)}" y2="${sy(pc * b.limit).toFixed(1)}" stroke="#d62728" stroke-dasharray="4 3"/><text x="${W - M.r - 2}" y="${sy(pc * b.limit) - 3}" text-anchor="end">budget ${fm(pc * b.limit)}${unit}</text>`;
  const dots = pts
    .map((p, k) => {
      const x = sx(p.file_ratio).toFixed(1);
      const how = finerValues(p) ?? p.rule ?? '';
      const label = `${p.tau === undefined ? (p.finer_values_tolerance !== undefined ? `${how}: ` : '') : `tau ${+p.tau.toPrecision(3)} ${how}: `}validation ${fm(pc * p.validation_error)}${unit}, test ${fm(pc * p.test_error)}${unit}, ${f(p.file_ratio, 1)}x`;
      const ring = k === b.chosen ? `<circle class="mark chosen" cx="${x}" cy="${sy(pc * p.validation_error).toFixed(1)}" r="7" fill="none" stroke="#000" stroke-width="1.5"/>` : '';
      return `<g><title>${esc(label)}</title><circle class="mark point" cx="${x}" cy="${sy(pc * p.validation_error).toFixed(1)}" r="3.5" fill="${p.within_budget ? '#1f77b4' : '#d62728'}"/><circle class="mark" cx="${x}" cy="${sy(pc * p.test_error).toFixed(1)}" r="3" fill="none" stroke="#555"/>${ring}</g>`;
    })
    .join('');
  const rows = pts
    .map((p, k) => `<tr${k === b.chosen ? ' class="chosen"' : ''}><td>${k + 1}${k === b.chosen ? ' (chosen)' : ''}</td><td>${p.tau === undefined ? '-' : +p.tau.toPrecision(3)}</td><td>${p.pi0 === undefined ? '-' : +p.pi0.toPrecision(4)}</td><td>${finerValues(p) ?? p.rule ?? '-'}${p.pruned ? ' (pruned, recovered)' : ''}</td><td>${p.retrain_epochs ?? '-'}</td><td>${p.float_validation_error === undefined ? '-' : fm(pc * p.float_validation_error)}</td><td>${fm(pc * p.validation_error)}</td><td>${fm(pc * p.test_error)}</td><td>${f(100 * p.nonzero_fraction)}</td><td>${p.file_bytes}</td><td>${f(p.file_ratio, 1)}</td><td>${p.within_budget ? 'yes' : 'no'}</td></tr>`)
    .join('');
  const increase = metric === 'error' ? (b.max_error_increase === null ? null : `${f(100 * b.max_error_increase)}%`) : b.max_loss_increase === null || b.max_loss_increase === undefined ? null : `${+(100 * b.max_loss_increase).toPrecision(3)}%`;
  const verdict = increase === null ? 'budget off' : `budget: validation ${name} at most ${fm(pc * b.reference_validation_error)}${unit} + ${increase} = ${fm(pc * (b.limit ?? 0))}${unit}: ${b.held ? 'held' : 'broken (the file was kept beside --out, not at it)'}`;
  return `<h2>Accuracy budget and the trade-off</h2><p class="verdict">${esc(verdict)}. Chosen on the validation split; the test error of every point was measured once, at the end.</p>
<figure><figcaption>${esc(name)}${unit ? ' %' : ''} against file-size ratio: validation (filled; red over the budget), test (hollow), the front (green), the chosen point (ringed)</figcaption><svg class="plot tradeoff" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}">${axes('file-size ratio (x)', `${name}${unit ? ' %' : ''}`, x0, x1, y0, y1)}${limit}${frontLine}${dots}</svg></figure>
<table class="points"><tr><th>point</th><th>tau</th><th>pi0</th><th>rule</th><th>retrain epochs</th><th>float validation ${unit}</th><th>validation ${unit}</th><th>test ${unit}</th><th>non-zero %</th><th>bytes</th><th>file-size ratio</th><th>within budget</th></tr>${rows}</table>`;
}

/** How the finer-values last resort made a point, or undefined for the prior's own files. */
function finerValues(p: { finer_values_tolerance?: number; finer_values_tuned?: boolean }): string | undefined {
  return p.finer_values_tolerance === undefined ? undefined : `finer values ${+p.finer_values_tolerance.toPrecision(3)}${p.finer_values_tuned ? ', tuned' : ''}`;
}

/** Every output's test metric before and after, for a model with several outputs. */
function outputsTable(d: ReportData): string {
  if (!d.outputs || d.outputs.length < 2) return '';
  const rows = d.outputs.map((o) => `<tr><td>${esc(o.name)}</td><td>${esc(metricLabel(o.metric))}</td><td>${formatMetric(o.before, o.metric)}</td><td>${formatMetric(o.after, o.metric)}</td></tr>`).join('');
  return `<h2>Every output (test split)</h2><table class="outputs"><tr><th>output</th><th>metric</th><th>before</th><th>after</th></tr>${rows}</table>`;
}

/** One self-contained HTML page (inline SVG and CSS, no scripts, no network). */
export function renderReport(d: ReportData): string {
  const layerRows = d.layers
    .map((l) => `<tr><td>${esc(l.name)}</td><td>${l.weights}</td><td>${f((100 * l.nonzero) / l.weights)}</td><td>${l.distinct}</td><td>${f(l.bitsPerWeight, 3)}</td><td>${l.bytes}</td></tr>`)
    .join('');
  const passRows = (d.passThrough ?? []).map((t) => `<tr><td>${esc(t.name)}</td><td>${t.elements}</td><td>${esc(t.encoding)}</td><td>${t.bytes}</td></tr>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(d.title)}: softshare report</title>
<style>
body{font:14px system-ui,sans-serif;margin:24px;max-width:1200px;color:#222}
h1{font-size:20px}h2{font-size:16px;margin-top:28px}
.grid{display:flex;flex-wrap:wrap;gap:16px}figure{margin:0}figcaption{font-size:12px;color:#555}
svg.plot{background:#fafafa;border:1px solid #ddd}svg text{font-size:10px;fill:#444}.axes line{stroke:#999}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child,th:first-child{text-align:left}
.kpi{display:flex;gap:24px}.kpi div{background:#f0f4f8;padding:8px 12px;border-radius:4px}
</style></head><body>
<h1>${esc(d.title)}</h1>
<div class="kpi">${d.fidelity ? `<div>${esc(d.fidelity.written)}</div>` : ''}${d.fidelity && !Number.isFinite(d.errorBefore) ? '' : `<div>${d.budget?.metric && d.budget.metric !== 'error' ? `${esc(d.budget.metric === 'mse' || d.budget.metric === 'mae' ? d.budget.metric.toUpperCase() : d.budget.metric)} ${+d.errorBefore.toPrecision(4)} &rarr; ${+d.errorAfter.toPrecision(4)}` : `error ${f(100 * d.errorBefore)}% &rarr; ${f(100 * d.errorAfter)}%`}</div>`}<div>non-zero weights ${f(100 * d.nonzeroFraction)}%</div>
<div>file ${d.fileBytes} B: file-size ratio ${f(d.fileRatio, 1)}x</div><div>paper storage-format rate ${f(d.paperRatio, 1)}x</div><div>backend ${esc(d.backend)}</div></div>
${outputsTable(d)}
${d.fidelity ? fidelitySection(d.fidelity) : ''}
<h2>Weights before and after ${d.fidelity ? 'shrinking (no retraining)' : 'retraining, with the mixture'}</h2>
<div class="grid"><figure><figcaption>${d.fidelity ? 'original weights (the tensors on shared values)' : 'pretrained weights (under the prior)'}</figcaption>${histogram(d, 'before', false)}</figure>
<figure><figcaption>${d.fidelity ? 'on shared values' : 'retrained weights and the learned components'}</figcaption>${histogram(d, 'after', true)}</figure></div>
<h2>${d.fidelity ? 'Original' : 'Pretrained'} vs ${d.fidelity ? 'shared' : 'retrained'} weight${d.fidelity ? '' : ', coloured by assigned component'}</h2>
${scatter(d)}
${tradeOff(d)}
<h2>Per layer</h2>
<p>${d.fidelity ? 'On shared values' : 'Under the prior'} (shared values, sparse positions):</p>
<table class="under-prior"><tr><th>tensor</th><th>weights</th><th>non-zero %</th><th>distinct values</th><th>bits per weight</th><th>bytes</th></tr>${layerRows}</table>
${passRows ? `<p>${d.fidelity ? 'Kept (float32, float16 or exact)' : 'Passed through (not under the prior)'}:</p><table class="pass-through"><tr><th>tensor</th><th>values</th><th>stored as</th><th>bytes</th></tr>${passRows}</table>` : ''}
${d.history.length > 0 ? `<h2>Training</h2><div class="grid">${curves(d)}</div>` : ''}
<h2>Where the bytes go</h2>${breakdown(d)}
</body></html>
`;
}
