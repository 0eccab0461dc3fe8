import { FLOW_INPUT_ERROR, FlowInputError, isFlowInputError } from './index';

class ShapeError extends FlowInputError {
  override readonly code = 'SHAPE';
}

describe('FlowInputError', () => {
  test('carries kind, code, name and message; subclasses keep their own name and code', () => {
    const base = new FlowInputError('x: expected 3 rows, got 2');
    expect(base).toBeInstanceOf(Error);
    expect(base).toMatchObject({ kind: 'input', code: 'INPUT', name: 'FlowInputError', message: 'x: expected 3 rows, got 2' });
    const sub = new ShapeError('bad shape');
    expect(sub).toBeInstanceOf(FlowInputError);
    expect(sub).toMatchObject({ kind: 'input', code: 'SHAPE', name: 'ShapeError' });
    expect(String(sub)).toBe('ShapeError: bad shape');
    expect(sub.stack).toContain('bad shape');
  });

  test('keeps a cause', () => {
    const cause = new Error('ENOENT');
    expect(new FlowInputError('a.npy: cannot be read', { cause }).cause).toBe(cause);
  });

  test('isFlowInputError accepts subclasses and copies from another realm, nothing else', () => {
    expect(isFlowInputError(new ShapeError('s'))).toBe(true);
    // What an instance from a second copy of the package looks like: a plain Error with the shared mark.
    const foreign = Object.assign(new Error('other copy'), { kind: 'input', [FLOW_INPUT_ERROR]: true });
    expect(isFlowInputError(foreign)).toBe(true);
    // The old shape alone no longer counts: errors must come from this class.
    expect(isFlowInputError(Object.assign(new Error('shape only'), { kind: 'input' }))).toBe(false);
    for (const v of [new Error('plain'), new RangeError('r'), null, undefined, 'input', { kind: 'input' }]) expect(isFlowInputError(v)).toBe(false);
  });
});
