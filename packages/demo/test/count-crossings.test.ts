import { countCrossings } from '../src/pairs/count-crossings';

describe('countCrossings', () => {
  it('counts proper crossings only', () => {
    // An X crosses; parallel and endpoint-sharing segments do not.
    expect(countCrossings([0, 0, 0, 1], [1, 1, 1, 0], 2)).toBe(1);
    expect(countCrossings([0, 0, 0, 1], [1, 0, 1, 1], 2)).toBe(0);
    expect(countCrossings([0, 0, 0, 0], [1, 1, 1, -1], 2)).toBe(0);
  });
});
