"""The largest value the generator accepts for each kind of input: one place, listed in the documentation
(docs/pages/robustness.md, its table made from :func:`table`).

Every reader of input (YAML at load, a post's table calls, ``estimate``'s flags, the post sandbox) checks against
these and refuses a value above its maximum with exit 2, naming where it came from. Each maximum is far above any
real model or run, and low enough that no accepted input makes a command run for more than a few seconds (the
estimator is closed-form, but a layer split loops over GPUs and a tuple per GPU is built).
"""

from __future__ import annotations

# Token counts: contexts, input lengths, new tokens, profiling and micro-batch sizes. The longest context any
# public model states is 10,485,760 (Llama 4 Scout's max_position_embeddings); 2**24 is the next power of two.
MAX_TOKENS = 2 ** 24
# Sequences decoded at once (batch, vLLM's max_num_seqs): vLLM's default is 256, its largest tuned setting 1024.
MAX_BATCH = 65536
# GPUs of one run (a benchmark row, --gpus): the largest tensor/pipeline-parallel deployments use a few hundred.
MAX_GPUS = 4096
# Decoder layers of one model: the deepest public models have under 200 (Llama-3.1-405B: 126).
MAX_LAYERS = 10_000
# Any other whole-number field of a config.json (hidden size, vocabulary, experts, head size, window).
MAX_FIELD = 10 ** 9
# Parameters of one model (10**15 = a million billion), and the nominal size in billions that goes with it.
MAX_PARAMS = 10 ** 15
MAX_PARAMS_B = MAX_PARAMS / 10 ** 9
# Memory in GiB (a benchmark's measured peak, a card): a pebibyte.
MAX_MEMORY_GIB = 2 ** 20
# The least positive number a field in a unit above bytes takes (1e-6 billion parameters, 1e-6 GiB): anything
# smaller (1.0e-320) is a typo or a wrong unit.
MIN_NUMBER = 1e-6
# Bytes in a framework constant (CUDA graph pool and the like): a tebibyte.
MAX_BYTES = 2 ** 40
# Bits per weight in a table call (fp32 is 32; 64 allows a double).
MAX_BITS = 64
# Combinations one table call may ask for (the product of its lists' lengths: models x formats x lengths);
# the largest table of the posts here asks for a few hundred.
MAX_TABLE_CELLS = 10_000
# A name or id (model id, GPU name, quantization, framework spec): a Hugging Face repository name is at most 96.
MAX_NAME_LENGTH = 128
# A line of text (a title, a description, a note, a URL).
MAX_TEXT_LENGTH = 2000
# A path given on the command line (Linux's PATH_MAX).
MAX_PATH_LENGTH = 4096

# The post sandbox (generator/render/post_sandbox.py): the longest string or list an expression may build, the loop
# iterations, calls and output pieces a post may make in all (the longest post here makes 120), and the CPU time
# its own expressions may take (the build's table calls not counted; the longest post here takes 0.12 s in all).
MAX_TEMPLATE_STRING = 10 ** 6
MAX_TEMPLATE_STEPS = 50_000
MAX_RENDER_SECONDS = 2.0


def table() -> list[tuple[str, object, str]]:
    """(name, maximum, what it bounds), for the documentation (docs/hooks.py) and its tests."""
    return [
        ("MAX_TOKENS", MAX_TOKENS, "tokens: contexts, input lengths, new tokens, profile and micro-batch tokens"),
        ("MAX_BATCH", MAX_BATCH, "sequences: --batch, a benchmark's batch_size, vLLM's max_num_seqs"),
        ("MAX_GPUS", MAX_GPUS, "GPUs of one run: --gpus, a benchmark row's gpus"),
        ("MAX_LAYERS", MAX_LAYERS, "decoder layers of a model"),
        ("MAX_FIELD", MAX_FIELD, "any other whole-number config.json field"),
        ("MAX_PARAMS", MAX_PARAMS, "parameters of one model (params_b up to MAX_PARAMS / 10**9)"),
        ("MAX_MEMORY_GIB", MAX_MEMORY_GIB, "memory in GiB: measured peaks, cards"),
        ("MIN_NUMBER", MIN_NUMBER, "the least positive value of a number in GiB, billions or tokens/s"),
        ("MAX_BYTES", MAX_BYTES, "bytes in a framework constant"),
        ("MAX_TABLE_CELLS", MAX_TABLE_CELLS, "combinations one table call asks for (its lists' lengths multiplied)"),
        ("MAX_BITS", MAX_BITS, "bits per weight in a table call"),
        ("MAX_NAME_LENGTH", MAX_NAME_LENGTH, "characters of a name or id"),
        ("MAX_TEXT_LENGTH", MAX_TEXT_LENGTH, "characters of a title, description, note or URL"),
        ("MAX_PATH_LENGTH", MAX_PATH_LENGTH, "characters of a path on the command line"),
        ("MAX_TEMPLATE_STRING", MAX_TEMPLATE_STRING, "characters (or items) of a string (or list) a post builds"),
        ("MAX_TEMPLATE_STEPS", MAX_TEMPLATE_STEPS, "loop iterations, calls and output pieces of one post"),
        ("MAX_RENDER_SECONDS", MAX_RENDER_SECONDS, "CPU seconds of one post's own expressions (table calls not counted)"),
    ]
