/** GLM_PARAM_* in native/glm.h: where each field of glm_engine_submit's block sits. */
export const SUBMIT_FIELDS = {
  maxTokens: 0,
  temperature: 1,
  topP: 2,
  topK: 3,
  minP: 4,
  repeatPenalty: 5,
  presencePenalty: 6,
  frequencyPenalty: 7,
  seed: 8,
  ignoreEos: 9,
  logprobs: 10,
  draftMax: 11,
} as const;
const Field = SUBMIT_FIELDS;
/** GLM_PARAM_COUNT. */
const FIELDS = 12;

/** glm_engine_submit's scalar options, defaults already applied. */
export interface SubmitOptions {
  maxTokens: number;
  temperature: number;
  topP: number;
  topK: number;
  minP: number;
  repeatPenalty: number;
  presencePenalty: number;
  frequencyPenalty: number;
  seed: number;
  ignoreEos: boolean;
  /** Alternatives per token to record, or -1 for no log-probabilities. */
  logprobs: number;
  /** Tokens a step may draft by prompt lookup (0 to GLM_MAX_DRAFT); 0 drafts none. */
  draftMax: number;
}

/**
 * The one place that writes the parameter block (native/submit_params.cpp reads it): 4-byte
 * fields, each an int32, float or uint32 as glm.h names it, in the host's byte order.
 */
export function submitParamBlock(options: SubmitOptions): Uint32Array {
  const block = new ArrayBuffer(FIELDS * 4);
  const ints = new Int32Array(block);
  const floats = new Float32Array(block);
  const words = new Uint32Array(block);
  ints[Field.maxTokens] = options.maxTokens;
  floats[Field.temperature] = options.temperature;
  floats[Field.topP] = options.topP;
  ints[Field.topK] = options.topK;
  floats[Field.minP] = options.minP;
  floats[Field.repeatPenalty] = options.repeatPenalty;
  floats[Field.presencePenalty] = options.presencePenalty;
  floats[Field.frequencyPenalty] = options.frequencyPenalty;
  words[Field.seed] = options.seed >>> 0;
  ints[Field.ignoreEos] = options.ignoreEos ? 1 : 0;
  ints[Field.logprobs] = options.logprobs;
  ints[Field.draftMax] = options.draftMax;
  return words;
}
