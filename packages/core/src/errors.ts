/** Every failure code softshare raises; a literal union so callers can switch on it. */
export type SoftshareErrorCode =
  | 'E_OPTIONS'
  | 'E_IDX_FORMAT'
  | 'E_IDX_TRUNCATED'
  | 'E_DATA_MISMATCH'
  | 'E_DATA_NOT_FOUND'
  | 'E_MODEL_NOT_FOUND'
  | 'E_MODEL_FORMAT'
  | 'E_MODEL_INCOMPATIBLE'
  | 'E_BACKEND'
  | 'E_IO'
  | 'E_DIVERGED'
  | 'E_CANCELLED'
  | 'E_RESUME_MISMATCH'
  | 'E_BUDGET'
  | 'E_FORMAT_MAGIC'
  | 'E_FORMAT_VERSION'
  | 'E_FORMAT_TRUNCATED'
  | 'E_FORMAT_CHECKSUM'
  | 'E_FORMAT_HEADER'
  | 'E_FORMAT_LIMIT'
  | 'E_FORMAT_CODER'
  | 'E_FORMAT_DATA'
  | 'E_FORMAT_TOPOLOGY'
  | 'E_FORMAT_LAYER_CLASS'
  | 'E_FORMAT_LAYER_NAME'
  | 'E_FORMAT_LAYER_CONFIG'
  | 'E_FORMAT_INBOUND'
  | 'E_FORMAT_CYCLE'
  | 'E_FORMAT_IO'
  | 'E_FORMAT_SHAPE'
  | 'E_FORMAT_WEIGHTS';

/**
 * The one error type softshare throws at run time: a literal `code`, the `stage` that
 * raised it and the underlying `cause`.
 *
 * @example
 * throw new SoftshareError('E_IDX_TRUNCATED', 'data', 'train-images: expected 47040016 bytes, got 1000');
 */
export class SoftshareError extends Error {
  override readonly name = 'SoftshareError';
  constructor(
    readonly code: SoftshareErrorCode,
    readonly stage: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True when `e` is a SoftshareError, optionally with the given code. */
export function isSoftshareError(e: unknown, code?: SoftshareErrorCode): e is SoftshareError {
  return e instanceof SoftshareError && (code === undefined || e.code === code);
}
