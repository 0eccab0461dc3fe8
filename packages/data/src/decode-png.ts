import { PNG } from 'pngjs';

/** One decoded PNG: 8-bit RGBA pixels whatever the file's own colour type and depth. */
export interface DecodedPng {
  width: number;
  height: number;
  rgba: Uint8Array;
  /** Whether the file stores colour (false for grey and grey+alpha PNGs). */
  color: boolean;
}

/** Decodes PNG bytes (pngjs). Throws pngjs' own error on a malformed file; callers name the file. */
export function decodePng(bytes: Uint8Array): DecodedPng {
  const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const meta = png as unknown as { color?: boolean };
  return { width: png.width, height: png.height, rgba: png.data, color: meta.color !== false };
}
