"""Pure calculations: numbers in, numbers out. No I/O, no YAML, no formatting.

architecture.py          a decoder-only transformer's shape and the parameter counts that follow from it
estimator.py             the estimate (weights, KV cache, activations, overheads, peak); dispatches to the engines
transformers_engine.py   what transformers' own code adds, by version and attention implementation
vllm.py                  vLLM's start-up arithmetic: the KV cache it allocates, when it refuses to start
llamacpp.py              llama.cpp's buffers, as its load log reports them
gguf_mix.py              a GGUF file's bytes, tensor by tensor, as llama.cpp's quantize tool writes each mix
gpu_fit.py               will it fit: cards needed, the longest context a card holds
seed_method.py           the seed post's method, worked out from its numbers
validation.py            the estimator against measured peak memory, next to the seed's method
vllm_validation.py       the vLLM model against vLLM's start-up logs
llamacpp_validation.py   the llama.cpp model against the buffer sizes in llama.cpp's load logs

May import: the standard library, core (today only core.errors), and families/table.py (the family table is data
the estimator reads; tests/test_layers.py places it in this layer).
"""
