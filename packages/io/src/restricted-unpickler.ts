/**
 * A pickle reader that executes nothing: it understands the opcodes of protocols 2-5 that plain data needs
 * (None, bools, ints, floats, strings, bytes, lists, tuples, dicts, sets) and hands every global, call and
 * persistent id to hooks the caller provides. A global the hook does not know is refused before anything is
 * built from it; object-creation opcodes (NEWOBJ, INST, OBJ, out-of-band buffers) are refused outright.
 */

/** A global named by the pickle (`module.name`), as a value; only the hooks give it meaning. */
export class PickleGlobal {
  constructor(readonly name: string) {}
}

/** A Python tuple (kept apart from lists so hooks can check argument shapes). */
export class PickleTuple {
  constructor(readonly items: unknown[]) {}
}

export interface UnpickleHooks {
  /** Returns the value `module.name` stands for, or throws (the caller's refusal). */
  global(name: string): unknown;
  /** `callable(*args)` for REDUCE; `callable` is what `global` returned. */
  reduce(callable: unknown, args: unknown[]): unknown;
  /** BINPERSID: the object a persistent id refers to (torch: a storage). */
  persistentLoad?(pid: unknown): unknown;
  /** BUILD: applies `state` to `target` (e.g. an OrderedDict's `_metadata`); returns the result. */
  build?(target: unknown, state: unknown): unknown;
  /** Bad input: every failure goes through here so the caller's error class is used. */
  fail(message: string): never;
}

const MARK = Symbol('mark');

/** Unpickles one pickle starting at `start`; returns the value and the offset just past its STOP. */
export function unpickle(bytes: Uint8Array, start: number, hooks: UnpickleHooks): { value: unknown; end: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: unknown[] = [];
  const memo = new Map<number, unknown>();
  let p = start;
  const need = (n: number, what: string): number => {
    if (n < 0 || p + n > bytes.length) hooks.fail(`pickle is truncated (${what} at byte ${p} needs ${n} bytes, ${bytes.length - p} left)`);
    const at = p;
    p += n;
    return at;
  };
  const u8 = (): number => bytes[need(1, 'argument')]!;
  const u16 = (): number => view.getUint16(need(2, 'argument'), true);
  const u32 = (): number => view.getUint32(need(4, 'argument'), true);
  const u64 = (what: string): number => {
    const at = need(8, what);
    const hi = view.getUint32(at + 4, true);
    if (hi > 0x1fffff) hooks.fail(`${what} at byte ${at} is too large`);
    return view.getUint32(at, true) + hi * 2 ** 32;
  };
  const raw = (n: number, what: string): Uint8Array => {
    const at = need(n, what);
    return bytes.subarray(at, at + n);
  };
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const text = (n: number): string => {
    const b = raw(n, 'string');
    try {
      return utf8.decode(b);
    } catch {
      return hooks.fail(`string at byte ${p - n} is not valid UTF-8`);
    }
  };
  const latin1 = (n: number): string => Buffer.from(raw(n, 'string')).toString('latin1');
  const pop = (): unknown => {
    if (stack.length === 0) hooks.fail(`pickle stack underflow at byte ${p - 1}`);
    const v = stack.pop();
    if (v === MARK) hooks.fail(`unexpected mark at byte ${p - 1}`);
    return v;
  };
  const top = (): unknown => {
    const v = stack[stack.length - 1];
    if (stack.length === 0 || v === MARK) hooks.fail(`pickle stack underflow at byte ${p - 1}`);
    return v;
  };
  const popMark = (): unknown[] => {
    const i = stack.lastIndexOf(MARK);
    if (i < 0) hooks.fail(`no mark on the stack at byte ${p - 1}`);
    const items = stack.splice(i);
    items.shift();
    return items;
  };
  const put = (i: number): void => {
    memo.set(i, top());
  };
  const get = (i: number): void => {
    if (!memo.has(i)) hooks.fail(`memo key ${i} is not defined (byte ${p})`);
    stack.push(memo.get(i));
  };
  const setItems = (dict: unknown, items: unknown[]): void => {
    if (!(dict instanceof Map)) hooks.fail(`SETITEM(S) on something that is not a dict at byte ${p - 1}`);
    if (items.length % 2 !== 0) hooks.fail(`SETITEMS with an odd number of items at byte ${p - 1}`);
    for (let k = 0; k < items.length; k += 2) dict.set(dictKey(items[k], hooks), items[k + 1]);
  };
  const appendItems = (list: unknown, items: unknown[]): void => {
    if (!Array.isArray(list)) hooks.fail(`APPEND(S) on something that is not a list at byte ${p - 1}`);
    list.push(...items);
  };
  const long = (n: number): number | bigint => {
    const b = raw(n, 'long');
    if (n === 0) return 0;
    let v = 0n;
    for (let k = n - 1; k >= 0; k--) v = (v << 8n) | BigInt(b[k]!);
    if (b[n - 1]! & 0x80) v -= 1n << BigInt(8 * n);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };

  for (;;) {
    const at = p;
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) hooks.fail(`pickle protocol ${bytes[p - 1]} is newer than 5`);
        break;
      case 0x95: // FRAME: only a length hint
        u64('frame length');
        break;
      case 0x2e: // STOP
        return { value: pop(), end: p };
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x30: // POP
        if (stack.pop() === undefined) hooks.fail(`pickle stack underflow at byte ${at}`);
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4a: // BININT
        stack.push(view.getInt32(need(4, 'int'), true));
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x8a: // LONG1
        stack.push(long(u8()));
        break;
      case 0x8b: {
        // LONG4
        const n = view.getInt32(need(4, 'length'), true);
        stack.push(long(n));
        break;
      }
      case 0x47: // BINFLOAT (big-endian double)
        stack.push(view.getFloat64(need(8, 'float'), false));
        break;
      case 0x58: // BINUNICODE
        stack.push(text(u32()));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(text(u8()));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(text(u64('string length')));
        break;
      case 0x54: // BINSTRING (Python 2 str)
        stack.push(latin1(view.getInt32(need(4, 'length'), true)));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(latin1(u8()));
        break;
      case 0x42: // BINBYTES
        stack.push(raw(u32(), 'bytes').slice());
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(raw(u8(), 'bytes').slice());
        break;
      case 0x8e: // BINBYTES8
        stack.push(raw(u64('bytes length'), 'bytes').slice());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push(new PickleTuple([]));
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x8f: // EMPTY_SET (a list here: order kept, nothing hashed)
        stack.push([]);
        break;
      case 0x74: // TUPLE
        stack.push(new PickleTuple(popMark()));
        break;
      case 0x85: // TUPLE1
        stack.push(new PickleTuple([pop()]));
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push(new PickleTuple([pop(), b]));
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push(new PickleTuple([pop(), b, c]));
        break;
      }
      case 0x6c: // LIST
        stack.push(popMark());
        break;
      case 0x64: {
        // DICT
        const d = new Map();
        setItems(d, popMark());
        stack.push(d);
        break;
      }
      case 0x91: // FROZENSET
        stack.push(popMark());
        break;
      case 0x61: {
        // APPEND
        const v = pop();
        appendItems(top(), [v]);
        break;
      }
      case 0x65: // APPENDS
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        appendItems(top(), items);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x71: // BINPUT
        put(u8());
        break;
      case 0x72: // LONG_BINPUT
        put(u32());
        break;
      case 0x94: // MEMOIZE
        put(memo.size);
        break;
      case 0x68: // BINGET
        get(u8());
        break;
      case 0x6a: // LONG_BINGET
        get(u32());
        break;
      case 0x63: {
        // GLOBAL: "module\nname\n"
        const nl1 = bytes.indexOf(0x0a, p);
        const nl2 = nl1 < 0 ? -1 : bytes.indexOf(0x0a, nl1 + 1);
        if (nl2 < 0) hooks.fail(`pickle is truncated (GLOBAL at byte ${at})`);
        const module = latin1(nl1 - p);
        p += 1;
        const name = latin1(nl2 - p);
        p += 1;
        stack.push(hooks.global(`${module}.${name}`));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') hooks.fail(`STACK_GLOBAL needs two strings at byte ${at}`);
        stack.push(hooks.global(`${module}.${name}`));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const callable = pop();
        if (!(args instanceof PickleTuple)) hooks.fail(`REDUCE needs an argument tuple at byte ${at}`);
        stack.push(hooks.reduce(callable, args.items));
        break;
      }
      case 0x51: {
        // BINPERSID
        const pid = pop();
        if (!hooks.persistentLoad) hooks.fail(`persistent id at byte ${at}, but this file has no storages`);
        stack.push(hooks.persistentLoad(pid));
        break;
      }
      case 0x62: {
        // BUILD
        const state = pop();
        const target = pop();
        if (!hooks.build) hooks.fail(`BUILD at byte ${at} is not supported`);
        stack.push(hooks.build(target, state));
        break;
      }
      default:
        hooks.fail(`pickle opcode 0x${op.toString(16).padStart(2, '0')} at byte ${at} is not supported (a state dict never needs it)`);
    }
  }
}

function dictKey(k: unknown, hooks: UnpickleHooks): string | number | bigint | boolean | null {
  if (k === null || typeof k === 'string' || typeof k === 'number' || typeof k === 'bigint' || typeof k === 'boolean') return k;
  if (k instanceof PickleTuple && k.items.every((x) => typeof x === 'string' || typeof x === 'number')) return k.items.join(',');
  return hooks.fail('a dict key is neither a string nor a number');
}
