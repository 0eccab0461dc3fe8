/** One pass of one preset at one batch size on one backend, as `flow-bench train --json` prints it. */
export interface TrainJsonRow {
  backend: string;
  preset: string;
  batch: number;
  pass: 'forward' | 'forward+backward';
  images_per_second: number | null;
  peer_images_per_second: number | null;
  /** ours / PyTorch (images per second); null when either side has no figure. */
  ratio: number | null;
}

/** Our measurement, before the peer is joined to it. */
export interface OurMeasurement {
  backend: string;
  preset: string;
  batch: number;
  pass: 'forward' | 'forward+backward';
  imagesPerSecond: number;
}

/** The peer's figure for one (preset, batch, pass). */
export interface PeerMeasurement {
  preset: string;
  batch: number;
  pass: 'forward' | 'forward+backward';
  imagesPerSecond: number;
}

const finite = (v: number | undefined): number | null => (v !== undefined && Number.isFinite(v) ? v : null);

/** Joins our rows with the peer's by (preset, batch, pass); NaN (skipped) becomes null so the JSON stays valid. */
export function joinPeer(ours: OurMeasurement[], peer: PeerMeasurement[]): TrainJsonRow[] {
  return ours.map((o) => {
    const p = peer.find((q) => q.preset === o.preset && q.batch === o.batch && q.pass === o.pass);
    const mine = finite(o.imagesPerSecond);
    const theirs = finite(p?.imagesPerSecond);
    return {
      backend: o.backend,
      preset: o.preset,
      batch: o.batch,
      pass: o.pass,
      images_per_second: mine,
      peer_images_per_second: theirs,
      ratio: mine !== null && theirs !== null && theirs > 0 ? mine / theirs : null,
    };
  });
}
