import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, NamedAttrMap, Tensor } from '@tensorflow/tfjs-core';
import { CLIP_BY_VALUE_GRAD } from './clip-by-value-grad-name';
import { floatLike } from './reduce-to';

type Rule = (dy: Tensor, x: Tensor, y: Tensor, attrs: NamedAttrMap) => Tensor;

/** d/dx of y = f(x) as dy * f'(x), with x (and y where cheaper) saved from the forward pass. */
function unary(kernelName: string, rule: Rule, useOutput = false): GradConfig {
  return {
    kernelName,
    inputsToSave: useOutput ? [] : ['x'],
    outputsToSave: useOutput ? [true] : [],
    gradFunc: (dy, saved, attrs) => {
      const d = dy as Tensor;
      return { x: () => rule(d, useOutput ? (undefined as unknown as Tensor) : floatLike(saved[0]), useOutput ? saved[0] : (undefined as unknown as Tensor), attrs) };
    },
  };
}

const zero: Rule = (dy) => tf.zerosLike(dy);

export const unaryGradients: GradConfig[] = [
  unary('Identity', (dy) => tf.clone(dy)),
  unary('Cast', (dy) => tf.clone(dy)),
  unary('Neg', (dy) => tf.neg(dy)),
  unary('Abs', (dy, x) => tf.mul(dy, tf.sign(x))),
  unary('Square', (dy, x) => tf.mul(dy, tf.mul(x, 2))),
  unary('Sqrt', (dy, x) => tf.div(dy, tf.mul(tf.sqrt(x), 2))),
  unary('Rsqrt', (dy, x) => tf.mul(dy, tf.mul(tf.pow(x, -1.5), -0.5))),
  unary('Reciprocal', (dy, x) => tf.neg(tf.div(dy, tf.square(x)))),
  unary('Exp', (dy, _x, y) => tf.mul(dy, y), true),
  unary('Expm1', (dy, x) => tf.mul(dy, tf.exp(x))),
  unary('Log', (dy, x) => tf.div(dy, x)),
  unary('Log1p', (dy, x) => tf.div(dy, tf.add(x, 1))),
  unary('Sin', (dy, x) => tf.mul(dy, tf.cos(x))),
  unary('Cos', (dy, x) => tf.mul(dy, tf.neg(tf.sin(x)))),
  unary('Tanh', (dy, _x, y) => tf.mul(dy, tf.sub(1, tf.square(y))), true),
  unary('Sigmoid', (dy, _x, y) => tf.mul(dy, tf.mul(y, tf.sub(1, y))), true),
  unary('Softplus', (dy, x) => tf.mul(dy, tf.sigmoid(x))),
  unary('Relu', (dy, x) => tf.mul(dy, tf.step(x))),
  unary('LeakyRelu', (dy, x, _y, a) => tf.mul(dy, tf.where(tf.greater(x, 0), tf.onesLike(x), tf.fill(x.shape, a.alpha as number)))),
  unary('Elu', (dy, x) => tf.mul(dy, tf.where(tf.greater(x, 0), tf.onesLike(x), tf.exp(x)))),
  unary('Erf', (dy, x) => tf.mul(dy, tf.mul(tf.exp(tf.neg(tf.square(x))), 2 / Math.sqrt(Math.PI)))),
  unary('Atan', (dy, x) => tf.div(dy, tf.add(tf.square(x), 1))),
  unary('ClipByValue', (dy, x, _y, a) =>
    x.dtype === 'float32' && dy.dtype === 'float32' && tf.getKernel(CLIP_BY_VALUE_GRAD, tf.getBackend())
      ? (tf.engine().runKernel(CLIP_BY_VALUE_GRAD, { x, dy }, { clipValueMin: a.clipValueMin, clipValueMax: a.clipValueMax }) as Tensor)
      : tf.where(tf.logicalAnd(tf.greaterEqual(x, a.clipValueMin as number), tf.lessEqual(x, a.clipValueMax as number)), dy, tf.zerosLike(dy)),
  ),
  unary('Step', zero),
  unary('Sign', zero),
  unary('Floor', zero),
  unary('Ceil', zero),
  unary('Round', zero),
  unary('OnesLike', zero),
  unary('ZerosLike', zero),
];
