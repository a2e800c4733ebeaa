/** A metric's value as the console shows it: the error as a percentage, MSE / MAE and others as numbers. */
export function formatMetric(value: number, metric = 'error'): string {
  return metric === 'error' ? `${(value * 100).toFixed(2)}%` : `${+value.toPrecision(4)}`;
}

/** A metric's name as the console says it: 'error', 'MSE', 'MAE', or a custom metric's name. */
export function metricLabel(metric = 'error'): string {
  return metric === 'mse' || metric === 'mae' ? metric.toUpperCase() : metric;
}
