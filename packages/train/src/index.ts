export { ADAM, adamUpdate } from './adam.js';
export { scheduleFactor } from './schedule.js';
