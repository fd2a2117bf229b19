// Builds one request's sampler chain from its parameters.
#include <cmath>

#include "internal.h"

llama_sampler *make_sampler(const SamplingParams &p, const std::string &grammar,
                            const llama_vocab *vocab,
                            const std::vector<llama_token> &banned) {
  auto chain_params = llama_sampler_chain_default_params();
  chain_params.no_perf = true;
  llama_sampler *chain = llama_sampler_chain_init(chain_params);

  if (!banned.empty()) {
    std::vector<llama_logit_bias> biases;
    for (llama_token t : banned) biases.push_back({t, -INFINITY});
    llama_sampler_chain_add(chain, llama_sampler_init_logit_bias(llama_vocab_n_tokens(vocab),
                                                                 biases.size(), biases.data()));
  }
  // Checked at submit, so it parses; it runs before any sampler that picks a token.
  if (!grammar.empty()) {
    llama_sampler_chain_add(chain, llama_sampler_init_grammar(vocab, grammar.c_str(), "root"));
  }
  const bool penalize = p.repeat_penalty != 1.0f || p.presence_penalty != 0.0f ||
                        p.frequency_penalty != 0.0f;
  if (penalize) {
    llama_sampler_chain_add(chain, llama_sampler_init_penalties(llama_vocab_n_tokens(vocab), 64,
                                                                p.repeat_penalty,
                                                                p.frequency_penalty,
                                                                p.presence_penalty));
  }
  if (p.temperature <= 0.0f) {
    llama_sampler_chain_add(chain, llama_sampler_init_greedy());
    return chain;
  }
  if (p.top_k > 0) llama_sampler_chain_add(chain, llama_sampler_init_top_k(p.top_k));
  if (p.top_p < 1.0f) llama_sampler_chain_add(chain, llama_sampler_init_top_p(p.top_p, 1));
  if (p.min_p > 0.0f) llama_sampler_chain_add(chain, llama_sampler_init_min_p(p.min_p, 1));
  llama_sampler_chain_add(chain, llama_sampler_init_temp(p.temperature));
  llama_sampler_chain_add(chain, llama_sampler_init_dist(p.seed));
  return chain;
}
