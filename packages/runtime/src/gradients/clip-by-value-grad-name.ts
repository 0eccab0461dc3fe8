/** A kernel a backend may register for the ClipByValue gradient in one pass (inputs `x`, `dy`; attrs `clipValueMin`, `clipValueMax`). */
export const CLIP_BY_VALUE_GRAD = 'FlowClipByValueGrad';
