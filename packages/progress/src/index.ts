export { ProgressBar } from './progress-bar';
export { formatDuration } from './format-duration';
