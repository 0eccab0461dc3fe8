"""Minimal safetensors writer (header JSON + raw little-endian data), so the scripts need only numpy."""
import json
import struct

import numpy as np

_DTYPES = {np.dtype('float32'): 'F32', np.dtype('float16'): 'F16', np.dtype('float64'): 'F64', np.dtype('int64'): 'I64'}


def write_safetensors(path, tensors, metadata=None):
    header = {}
    offset = 0
    arrays = []
    for name, a in tensors.items():
        a = np.ascontiguousarray(a)
        a = a.astype(a.dtype.newbyteorder('<'))
        header[name] = {'dtype': _DTYPES[np.dtype(a.dtype.str.replace('<', '='))], 'shape': list(a.shape), 'data_offsets': [offset, offset + a.nbytes]}
        offset += a.nbytes
        arrays.append(a)
    if metadata:
        header['__metadata__'] = {k: str(v) for k, v in metadata.items()}
    blob = json.dumps(header, separators=(',', ':')).encode()
    blob += b' ' * (-len(blob) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(blob)))
        f.write(blob)
        for a in arrays:
            f.write(a.tobytes())
