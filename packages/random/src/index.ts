export { Rng, type RngState } from './rng';
export { fillRowNormals } from './row-normals';
