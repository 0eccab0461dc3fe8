/** Whether segments (a, b) and (c, d) properly intersect (shared endpoints and touching do not count). */
function crosses(ax: number, ay: number, bx: number, by: number, cx: number, cy: number, dx: number, dy: number): boolean {
  const o = (px: number, py: number, qx: number, qy: number, rx: number, ry: number) => Math.sign((qx - px) * (ry - py) - (qy - py) * (rx - px));
  return o(ax, ay, bx, by, cx, cy) * o(ax, ay, bx, by, dx, dy) < 0 && o(cx, cy, dx, dy, ax, ay) * o(cx, cy, dx, dy, bx, by) < 0;
}

/**
 * Number of crossing pairs among segments from[i] -> to[i] (interleaved 2-D points): the DANSM paper's
 * picture in one number. O(n^2), fine for the few hundred pairs a picture shows.
 */
export function countCrossings(from: ArrayLike<number>, to: ArrayLike<number>, n: number): number {
  let count = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (crosses(from[2 * i]!, from[2 * i + 1]!, to[2 * i]!, to[2 * i + 1]!, from[2 * j]!, from[2 * j + 1]!, to[2 * j]!, to[2 * j + 1]!)) count++;
    }
  }
  return count;
}
