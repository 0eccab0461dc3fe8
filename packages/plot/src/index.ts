export { Canvas, type Color, textWidth } from './canvas';
export { encodePng } from './png';
export { palette, colorAt, toCss } from './palette';
export { type AxisSpec, ticks } from './axes';
export { lineChart, type LineChartOptions, type LineSeries } from './line-chart';
export { scatterChart, type ScatterChartOptions, type ScatterSeries, type PathSet } from './scatter-chart';
export { imageGrid, type ImageGridOptions } from './image-grid';
export { scatterSvg, writeSvg } from './svg';
