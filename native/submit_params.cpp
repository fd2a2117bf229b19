// The one place that reads glm_engine_submit's parameter block (GLM_PARAM_* in glm.h). The
// values are checked with the prompt in engine.cpp; here only what the block itself can get
// wrong: its size and its flag fields.
#include <cstring>

#include "internal.h"

namespace {

float float_at(const uint32_t *params, int32_t field) {
  float value = 0.0f;
  std::memcpy(&value, &params[field], sizeof value);
  return value;
}

int32_t int_at(const uint32_t *params, int32_t field) {
  return static_cast<int32_t>(params[field]);
}

} // namespace

std::string read_submit_params(const uint32_t *params, int32_t n_params, SubmitParams &out) {
  if (params == nullptr) return "the parameter block is NULL";
  if (n_params != GLM_PARAM_COUNT) {
    return "the parameter block has " + std::to_string(n_params) + " fields; this libglm reads " +
           std::to_string(GLM_PARAM_COUNT);
  }
  out.max_tokens = int_at(params, GLM_PARAM_MAX_TOKENS);
  out.sampling.temperature = float_at(params, GLM_PARAM_TEMPERATURE);
  out.sampling.top_p = float_at(params, GLM_PARAM_TOP_P);
  out.sampling.top_k = int_at(params, GLM_PARAM_TOP_K);
  out.sampling.min_p = float_at(params, GLM_PARAM_MIN_P);
  out.sampling.repeat_penalty = float_at(params, GLM_PARAM_REPEAT_PENALTY);
  out.sampling.presence_penalty = float_at(params, GLM_PARAM_PRESENCE_PENALTY);
  out.sampling.frequency_penalty = float_at(params, GLM_PARAM_FREQUENCY_PENALTY);
  out.sampling.seed = params[GLM_PARAM_SEED];
  const int32_t ignore_eos = int_at(params, GLM_PARAM_IGNORE_EOS);
  out.n_logprobs = int_at(params, GLM_PARAM_N_LOGPROBS);
  out.draft_max = int_at(params, GLM_PARAM_DRAFT_MAX);
  if (ignore_eos != 0 && ignore_eos != 1) return "ignore_eos must be 0 or 1";
  out.ignore_eos = ignore_eos == 1;
  if (out.n_logprobs < -1 || out.n_logprobs > GLM_MAX_LOGPROBS) {
    return "n_logprobs must be -1 to " + std::to_string(GLM_MAX_LOGPROBS);
  }
  if (out.draft_max < 0 || out.draft_max > GLM_MAX_DRAFT) {
    return "draft_max must be 0 to " + std::to_string(GLM_MAX_DRAFT);
  }
  return "";
}
