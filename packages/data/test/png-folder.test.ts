import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { readPngFolder } from '../src/index';

/** Writes a PNG whose pixels are `rgb(i)`; `colorType` 0 stores grey, 2 RGB. */
function writePng(file: string, w: number, h: number, rgb: (i: number) => [number, number, number], colorType: 0 | 2 = 2): void {
  const png = new PNG({ width: w, height: h, colorType, inputColorType: 6 } as ConstructorParameters<typeof PNG>[0]);
  for (let i = 0; i < w * h; i++) png.data.set([...rgb(i), 255], i * 4);
  writeFileSync(file, PNG.sync.write(png, { colorType, inputColorType: 6 } as Parameters<typeof PNG.sync.write>[1]));
}

describe('readPngFolder (the one PNG reader of the toolkit)', () => {
  let tmp: string;
  beforeAll(() => (tmp = mkdtempSync(path.join(os.tmpdir(), 'flow-png-'))));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('reads grey-looking RGB files as 1 channel by pixels, 3 by colour type, in name order', () => {
    const dir = path.join(tmp, 'rgb-grey');
    mkdirSync(dir);
    writePng(path.join(dir, 'b.png'), 3, 2, (i) => [10 * i, 10 * i, 10 * i]);
    writePng(path.join(dir, 'a.png'), 3, 2, (i) => [i, i, i]);
    const byPixels = readPngFolder(dir);
    expect([byPixels.count, byPixels.height, byPixels.width, byPixels.channels]).toEqual([2, 2, 3, 1]);
    expect(Array.from(byPixels.pixels)).toEqual([0, 1, 2, 3, 4, 5, 0, 10, 20, 30, 40, 50]);
    const byType = readPngFolder(dir, { greyWhen: 'colour-type' });
    expect(byType.channels).toBe(3);
    expect(Array.from(byType.pixels.subarray(0, 6))).toEqual([0, 0, 0, 1, 1, 1]);
  });

  it('keeps colour, and reads grey PNG files as 1 channel either way', () => {
    const dir = path.join(tmp, 'mixed');
    mkdirSync(dir);
    writePng(path.join(dir, 'c.png'), 2, 1, (i) => [200, 100 + i, 0]);
    expect(Array.from(readPngFolder(dir).pixels)).toEqual([200, 100, 0, 200, 101, 0]);
    const grey = path.join(tmp, 'grey');
    mkdirSync(grey);
    writePng(path.join(grey, 'g.png'), 2, 1, (i) => [7 + i, 7 + i, 7 + i], 0);
    expect(readPngFolder(grey, { greyWhen: 'colour-type' }).channels).toBe(1);
    expect(Array.from(readPngFolder(grey).pixels)).toEqual([7, 8]);
  });

  it('names the file that is not a PNG', () => {
    const dir = path.join(tmp, 'bad');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'x.png'), 'not a png');
    expect(() => readPngFolder(dir)).toThrow(/x\.png: not a readable PNG/);
  });
});
