import { load, type NativeBinding } from './binding';

/** True when the compiled addon loaded (a C++ compiler, Node's headers and OpenBLAS were present at install). */
export function isNativeAvailable(): boolean {
  return load().binding !== undefined;
}

/** Why the addon is unavailable (empty string when it is available). */
export function nativeUnavailableReason(): string {
  return load().reason;
}

/** The loaded addon; throws with the reason when it is absent (kernels call this). */
export function requireBinding(): NativeBinding {
  const { binding, reason } = load();
  if (!binding) throw new Error(`@flow/native is unavailable: ${reason}`);
  return binding;
}
