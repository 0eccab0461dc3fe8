export { Adam, type AdamOptions } from './adam';
export { learningRate, type LrSchedule } from './learning-rate';
