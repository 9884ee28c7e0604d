"""Mutation testing of the modules that decide the published numbers and the blog's files (issue 23, item 7): mutmut
changes one thing at a time in the code (an operator, a constant, a comparison, a dropped call) and runs the fast
tests that reach the changed function; a mutant no test notices ("survived") is a gap in the tests, to be killed by a
new test or explained below (SURVIVORS_EXPLAINED). Not part of CI: run it by hand, as a habit, after changing the
code or its tests.

Setup (once; mutmut is an optional extra, not a runtime dependency):

    .venv/bin/pip install -e '.[test,mutation]'

Run one scope (the names of SCOPES below), or several; with no name, all of them:

    .venv/bin/python benchmarks/mutation.py write gpu_fit
    .venv/bin/python benchmarks/mutation.py calc.vllm check       # one module at a time (calc.*, families.*)
    nice -n 19 .venv/bin/python benchmarks/mutation.py --show --record benchmarks/mutation-results.yaml calc.vllm
    .venv/bin/python benchmarks/mutation.py                       # everything: hours, see below
    .venv/bin/python benchmarks/mutation.py --children 8 calc     # more workers on a machine of your own
    .venv/bin/python benchmarks/mutation.py --issue-23            # issue 23's nine one-line changes, by hand
    # a seeded random sample of 400 mutants (the kill rate with its 95% interval), mutmut's tree kept:
    nice -n 19 .venv/bin/python benchmarks/mutation.py --sample 400 --keep-in /tmp/trees --record \
        benchmarks/mutation-results.yaml calc.estimator
    # after explaining survivors in SURVIVORS_EXPLAINED (or a rerun that renumbered them), the data file follows:
    .venv/bin/python benchmarks/mutation.py --relabel --record benchmarks/mutation-results.yaml
    # the recorded survivors rerun one by one against the tests added since (seconds each, not the run's hours):
    .venv/bin/python benchmarks/mutation.py --recheck /tmp/trees --record benchmarks/mutation-results.yaml \
        --tests tests/test_vllm_memory_units.py calc.vllm

Each scope runs in a scratch copy of the repository's tracked files (under the system's temporary folder, removed
afterwards unless --keep), so the working tree and its `mutants/` never change. For each scope it prints the mutants
killed, survived, not reached by the selected tests ("no tests") and timed out, the kill rate
(killed + timeout) / (all mutants), and each survivor's name; --show prints each survivor's diff (mutmut show).

How the runs see every mutant (both found on this run's first pass, which they had made look worse or better):
* mutmut forks each mutant's test process from the one that ran the clean tests, so the calc caches (lru_cache,
  the estimator's _ESTIMATES, _weights_cache, gguf_mix's _layout_cache, ...) and test modules imported then would
  answer with the unmutated code; FRESH_START (appended to the scratch copy's conftest) empties them and re-imports
  the test modules in every session (the check scope keeps the site's plan, which never calls check.py);
* mutmut maps a function to the tests during which it ran; a module-scoped fixture runs it once, under the first
  test only, so each function's tests are widened to every selected test of the same files (_widen_test_selection).
  A kill is still a test failing because of that one mutant.

Results: benchmarks/mutation-results.yaml (per scope: mutants, killed, survived, timeouts, kill rate, minutes,
date, machine, each survivor with its explanation; and the combined rate). Measured 2026-12-07, 16:29-17:40 UTC, on
the shared 2-core machine (load average 10-16 from other sessions), nice 19, one worker:
  calc.architecture           376 mutants  7.8 min: 338 killed, 0 timeouts, 38 survived: 89.9%
  calc.llamacpp               278 mutants  1.7 min: 258 killed, 0 timeouts, 20 survived: 92.8%
  calc.llamacpp_validation     69 mutants  0.5 min: 68 killed, 0 timeouts, 1 survived: 98.6%
  calc.transformers_engine     93 mutants  1.7 min: 91 killed, 1 timeouts, 1 survived: 98.9%
  calc.validation             168 mutants  3.3 min: 165 killed, 1 timeouts, 2 survived: 98.8%
  calc.vllm_validation        209 mutants  1.5 min: 193 killed, 0 timeouts, 16 survived: 92.3%
  families.quant              460 mutants  3.1 min: 444 killed, 0 timeouts, 16 survived: 96.5%  (17:55 UTC)
  families.safetensors_file   101 mutants  0.9 min: 98 killed, 0 timeouts, 3 survived: 97.0%
  gpu_fit                      47 mutants  1.1 min: 44 killed, 2 timeouts, 1 survived: 97.9%
  seed_method                  15 mutants  0.7 min: 15 killed, 0 timeouts, 0 survived: 100.0%
  write                       689 mutants  7.9 min: 654 killed, 4 timeouts, 31 survived: 95.5%
  combined over these scopes: 2505 mutants, 2368 killed, 8 timeouts, 129 survived: 94.9%
  (gpu_fit, seed_method and write: the earlier session's runs, before the two fixes above)
Measured 2026-12-07, 18:26-20:33 UTC, same machine (load average 3-7), nice 19, two workers:
  calc.vllm        1,119 mutants 25 min: 880 killed, 10 timeouts, 229 survived: 79.5% (full run)
  calc.gguf_mix      953 mutants 47 min: 564 killed, 3 timeouts, 379 survived: 59.5% (full run); run again at
                     20:23 after tests/test_gguf_mix_units.py and tests/test_gguf_rules_units.py: 962 mutants (the
                     two bug fixes changed the code), 952 killed, 10 survived: 99.0%, each survivor explained
  calc.estimator   a seeded sample of 400 of 1,695 (--sample 400 --seed 20261207): 308 killed, 91 survived:
                   77.0% (95% interval 72.6-80.9); --recheck with tests/test_estimator_units.py: 79 of the 91
                   killed, 96.8% of the sample, the other 12 explained (one "gap")
  check            a seeded sample of 100 of 916: 67 killed, 33 survived: 67.0% (57.3-75.4); --recheck with
                   tests/test_check_survivors_units.py: 26 of the 33 killed, 93.0%, the other 7 explained
  calc.vllm's 229 survivors, rerun one by one (MUTANT_UNDER_TEST) against the tests added since: 71 killed by
  tests/test_vllm_memory_units.py (--recheck), 71 more by tests/test_vllm_search_units.py and
  tests/test_search_shortcuts.py (rerun by the helper that wrote them: the recheck tree predates the two search
  fixes those tests pin), 34 explained; the other 53 were mutants of longest_max_model_len and what_would_fit,
  rewritten to fix two bugs, whose 202 new mutants the helper ran: 194 killed, 8 explained. A full rerun of
  calc.vllm was stopped for time (282 of 1,160 mutants run: 9 survived).
The data file's combined figures: the mutants run, and an estimate for all 7,197 mutants of the recorded scopes
(each sampled scope's rate standing for its whole count), before and after the rechecks.

Measured 2026-12-07, 21:14-22:05 UTC, same machine (load average 3-9), nice 19, two workers: the families modules
with the tests as they were (the "before" runs):
  families.model_ids     111 mutants (full)      18.9% (71 reached by no test of the selection)
  families.model_config  369 mutants (full)      23.6%
  families.gguf_file     415 mutants (full)      46.7%
  families.sources       716 mutants (full)      48.0%
  families.hub           100 of 527 (sample)     38.0% (29.1-47.8)
  families.reader        200 of 2,359 (sample)   64.0% (57.1-70.3)
  families.vision        150 of 722 (sample)     81.3% (74.3-86.8)
  families.table           1 mutant              (the family table is module-level data; mutmut mutates functions)
Then one unit-test file per module (tests/test_model_ids_units.py, test_model_config_units.py,
test_gguf_file_units.py, test_sources_units.py, test_hub_units.py, test_reader_units.py, test_vision_units.py; the
helpers looped every mutant of each module against it, MUTANT_UNDER_TEST, and explained the rest below), and the
"after" runs, 22:34-23:05 UTC (a fresh seed for the samples, not the one the tests were written against):
  families.model_ids     111 mutants (full)      94.6% (6 survivors, all equivalent)
  families.model_config  404 mutants (full)      96.8% (13, equivalent)
  families.gguf_file     414 mutants (full)      97.3% (11, equivalent)
  families.sources       150 of 716 (sample)     97.3% (93.3-99.0); the helper's loop of all 716: 700 killed
  families.hub           150 of 573 (sample)     94.7% (89.8-97.3); the helper's loop of all 573: 539 killed
  families.reader        120 of 2,359 (sample)   92.5% (86.4-96.0); the helper's loop of all 2,359 against
                                                 test_reader_units.py alone: 2,261 killed, 98 explained
  families.vision        100 of 764 (sample)     100.0% (96.3-100.0); the helper's loop of all 764: all killed
Also after the unit tests: families.quant (its code changed) full 484: 96.7%; calc.llamacpp full 282: 94.0%, 94.3%
after one more test; calc.vllm a fresh sample of 200 of 1,161: 95.0% (91.0-97.3), 96.0% after one more test (the
calc scope had never run tests/test_vllm_tensor_parallel.py); check a fresh sample of 100 of 916: 91.0% (83.8-95.2),
96.0% after four more tests. Combined (the data file): 94.7% of the 5,645 mutants run, an estimated 92.7% of all
12,609 mutants of the recorded scopes, 95.8% after the rechecks.
The mutant counts changed where the work fixed the code. Bugs the families mutants led to, each fixed with a test:
a duplicate config.json key located at its second appearance anywhere in the text (model_config); a GGUF key of
65,536 bytes accepted (the spec's limit is 65,535); safetensors headers from a server that ignores Range (hub: the
second request got the file's first bytes); an unknown dtype named as 'torch_dtype' at line 1 (quant); 18 families
reading an absent tie_word_embeddings as tied where their transformers config classes say False (table); seven
vision-tower counts that differed from transformers' (in_chans never read, two class defaults, SigLIP's pooling
head, Gemma 4's audio attention width, Mistral 3's merge size and defaults).

Scopes: the modules and the fast tests that exercise them (mutmut runs, for each mutant, only the tests of this
selection that called the mutated function during its first, clean run, widened to their files as above). The
slow end-to-end tests (browsers, Jekyll, the frozen site comparison) are left out on purpose: a mutant must be
caught by a test that says why the number is right, not only that the site changed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

FAST_CALC_TESTS = ["tests/test_estimator_terms.py", "tests/test_numbers_from_sources.py", "tests/test_estimator.py",
                   "tests/test_architecture.py", "tests/test_families.py", "tests/test_gguf_mix.py",
                   "tests/test_vllm.py", "tests/test_llamacpp_logs.py", "tests/test_gpu_fit.py",
                   "tests/test_seed_edition.py", "tests/test_seed_method_units.py",
                   "tests/test_llamacpp_validation_units.py", "tests/test_vllm_validation_units.py",
                   "tests/test_validation_units.py", "tests/test_transformers_engine_units.py",
                   "tests/test_held_out.py", "tests/test_llamacpp_units.py", "tests/test_search_shortcuts.py",
                   "tests/test_state_part.py", "tests/test_vllm_search_units.py", "tests/test_vllm_memory_units.py",
                   "tests/test_gguf_mix_units.py", "tests/test_gguf_rules_units.py", "tests/test_estimator_units.py",
                   "tests/test_vllm_tensor_parallel.py"]

SCOPES = {
    "gpu_fit": (["generator/calc/gpu_fit.py"],
                ["tests/test_estimator_terms.py", "tests/test_estimator.py", "tests/test_gpu_fit.py"]),
    "seed_method": (["generator/calc/seed_method.py"],
                    ["tests/test_seed_edition.py", "tests/test_estimator.py", "tests/test_seed_method_units.py"]),
    "write": (["generator/blog/write.py"], ["tests/test_blog_write_units.py"]),
    "calc": (["generator/calc/*"], FAST_CALC_TESTS),
    "families": (["generator/families/*"], ["tests/test_families.py", "tests/test_readers.py",
                                            "tests/test_numbers_from_sources.py", "tests/test_architecture.py",
                                            "tests/test_sources.py", "tests/test_layers.py",
                                            "tests/test_hostile_files.py", "tests/test_safetensors_header_units.py",
                                            "tests/test_quant_config_units.py",
                                            "tests/test_quant_from_config_units.py",
                                            "tests/test_model_config_units.py", "tests/test_model_ids_units.py",
                                            "tests/test_hub_units.py", "tests/test_gguf_file_units.py",
                                            "tests/test_reader_units.py", "tests/test_vision_units.py",
                                            "tests/test_sources_units.py"]),
    "check": (["generator/site/check.py"], ["tests/test_check_units.py", "tests/test_check_mutations_data.py",
                                            "tests/test_check_gaps.py", "tests/test_check.py",
                                            "tests/test_check_survivors_units.py"]),
}

FAMILIES_TESTS = SCOPES["families"][1]
# Not tests/test_hostile_hub.py: its server thread calls the code with the working directory in a temporary folder,
# where mutmut's trampoline cannot find its configuration ("internal error ... source_paths"); hub.py's mutants are
# judged by tests/test_hub_units.py instead (a fake Hub in-process).

# Per-module scopes whose tests are narrowed to the files that reach the module (each scope's clean run and its
# test-to-function mapping run the whole selection first: minutes on a shared machine, most of a small scope's time).
SCOPES.update({
    "calc.llamacpp_validation": (["generator/calc/llamacpp_validation.py"],
                                 ["tests/test_llamacpp_logs.py", "tests/test_llamacpp_validation_units.py"]),
    "calc.vllm_validation": (["generator/calc/vllm_validation.py"],
                             ["tests/test_vllm.py", "tests/test_numbers_from_sources.py",
                              "tests/test_vllm_validation_units.py"]),
    "calc.validation": (["generator/calc/validation.py"],
                        ["tests/test_estimator.py", "tests/test_numbers_from_sources.py", "tests/test_seed_edition.py",
                         "tests/test_seed_method_units.py", "tests/test_validation_units.py"]),
    "calc.transformers_engine": (["generator/calc/transformers_engine.py"],
                                 ["tests/test_estimator_terms.py", "tests/test_numbers_from_sources.py",
                                  "tests/test_estimator.py", "tests/test_transformers_engine_units.py"]),
    "calc.llamacpp": (["generator/calc/llamacpp.py"],
                      ["tests/test_estimator_terms.py", "tests/test_numbers_from_sources.py", "tests/test_estimator.py",
                       "tests/test_llamacpp_logs.py", "tests/test_gguf_mix.py", "tests/test_held_out.py",
                       "tests/test_llamacpp_validation_units.py", "tests/test_llamacpp_units.py"]),
})

# One scope per module, to run the whole set piece by piece on a shared machine ("calc.vllm", "families.reader"):
# the same tests as the package's scope, each module's mutants on their own.
for _package, _tests in (("calc", FAST_CALC_TESTS), ("families", FAMILIES_TESTS)):
    for _name in sorted(os.listdir(os.path.join(ROOT, "generator", _package))):
        _module = _name[:-3]
        if _name.endswith(".py") and _name != "__init__.py" and _module not in SCOPES \
                and f"{_package}.{_module}" not in SCOPES:
            SCOPES[f"{_package}.{_module}"] = ([f"generator/{_package}/{_name}"], _tests)

# The scratch copy has no site/ (the generated, committed site): the tests that read it are the frozen-site net, left
# out on purpose (a mutant must fail a test that says why the number is right), and they could not pass there.
NEEDS_THE_COMMITTED_SITE = ["tests/test_vllm.py::test_every_log_is_published_with_its_error",
                            "tests/test_check.py::test_check_passes_on_the_committed_site"]
# Tests that run the CLI in a subprocess from another working directory: there mutmut's trampoline cannot find its
# configuration ("internal error ... source_paths"), so the first pass fails on them whatever the mutant.
RUNS_THE_CLI_ELSEWHERE = ["tests/test_hostile_files.py::test_a_content_file_that_is_a_fifo_or_huge_is_refused"]

# Survivors seen in the runs above, each with why no test kills it. A mutant listed here that a later run kills can
# be dropped; a new survivor not listed here is a gap to close with a test (or to explain here).
SURVIVORS_EXPLAINED: dict[str, str] = {
    # middle = (low + high + 2) // 2: equivalent. While low < high, (low + high + 2) // 2 is low + 1 .. high as
    # (low + high + 1) // 2 is, except that it rounds up once more when low + high is even; either way the probe lies
    # in (low, high], so the search still ends on the last step that fits (it may take one probe more).
    "generator.calc.gpu_fit.x_longest_context__mutmut_10": "equivalent: the probe stays in (low, high]",
    # generator/calc/vllm.py, searches (mutsearch). _longest_v1 returns the same answer for any first guess in
    # [0, high - 1]: admits() holds from one step up to an edge below high and never above it (its docstring), a guess
    # that admits is checked one step above and otherwise bisected up to high - 1, one that does not is bisected from 0.
    "generator.calc.vllm.x__longest_v1__mutmut_48":
        "equivalent: the top plan's request_tokens only matters when the settings have no max_model_len (they have "
        "high x granularity) or as the warning's maximum when the config has none (then no warning is made)",
    "generator.calc.vllm.x__longest_v1__mutmut_55":
        "equivalent: a guess of high or high + 1 never admits (admits(high) is False), so the bisection runs over "
        "[0, guess - 1], which holds the edge",
    "generator.calc.vllm.x__longest_v1__mutmut_63":
        "equivalent: max(1, num_blocks) only moves the first guess within [0, high - 1] (it is clipped to high - 1)",
    "generator.calc.vllm.x__longest_v1__mutmut_69":
        "equivalent: admits(high) is False, so admits(high + 1) is too: the bisection up to high + 1 ends on the "
        "same step",
    "generator.calc.vllm.x__longest_v1__mutmut_78":
        "equivalent: admits(low + 1) holds, so admits(1) does: a bisection from 1 instead of low + 1 ends on the "
        "same edge (more probes)",
    "generator.calc.vllm.x__longest_v1__mutmut_83":
        "equivalent: admits(guess) is False there, so admits(guess + 1) is too: the bisection up to guess ends on "
        "the same step",
    "generator.calc.vllm.x__longest_v1__mutmut_90": "equivalent: the probe stays in (low, upper]",
    # V0 takes max_num_seqs from the rules on every card: batch_defaults gives the large-card figures to V1 only, so
    # for V0 its default_seqs is rules.max_num_seqs too, whichever branch picks it.
    **{f"generator.calc.vllm.x__scheduler__mutmut_{n}":
       "equivalent: for V0 batch_defaults returns rules.max_num_seqs, the figure the condition picks" for n in (12, 15, 16)},
    # quant_format only changes the weights when it is "mxfp4" (weights_per_rank's padding): "XXXX" and "" do not.
    "generator.calc.vllm.x_plan__mutmut_1": "equivalent: the default format is neither \"mxfp4\" nor read otherwise",
    "generator.calc.vllm.x_longest_max_model_len__mutmut_1":
        "equivalent: the default format is neither \"mxfp4\" nor read otherwise",
    "generator.calc.vllm.x_longest_max_model_len__mutmut_34": "equivalent: the probe stays in (low, high]",
    # Which search runs for which engine: both end on the scan's answer for either engine. V1's admits() holds up to
    # one edge (so the two-sided bisection finds it); in V0 the lengths above 32K that start are the ones the top
    # plan's blocks reach, so _longest_v1's first guess lands on the right side of 32K (and where nothing above 32K
    # starts, the bisection below it meets a monotone predicate). Checked against the scan on 1,304 catalogue runs
    # (every model, bf16 and GPTQ, five cards, vLLM 0.6.4 with and without the batch flag and a 50K cap, 0.9.0 V0).
    **{f"generator.calc.vllm.x_longest_max_model_len__mutmut_{n}":
       "equivalent: the engine test only picks which of two searches with the same answer runs" for n in (7, 8, 9, 10)},
    "generator.calc.vllm.x_what_would_fit__mutmut_28":
        "equivalent: the longest length is a multiple of the 16-token step, never 1",
    # what_would_fit is only asked for refused runs: a plan that does not admit needs more than int(u x total), so the
    # utilisation rounded up is above u; a request above max_model_len gets no utilisation; the free-memory refusal
    # has u above the start-up bound, so no offer in (u, bound] equals it.
    "generator.calc.vllm.x_what_would_fit__mutmut_46":
        "equivalent on refused runs: the utilisation that admits is never the one already set",
    # generator/calc/llamacpp_validation.py
    "generator.calc.llamacpp_validation.x_compare_log__mutmut_15":
        "equivalent: gpus=1 dropped leaves LlamaCppRun's default, 1",
    # generator/calc/gguf_mix.py (tests/test_gguf_mix_units.py and tests/test_gguf_rules_units.py kill the rest)
    **{f"generator.calc.gguf_mix.x__ffn_down_type__mutmut_{n}":
       "equivalent: IQ3_XXS with an imatrix falls through to the later branches, none of which names IQ3_XXS, so it "
       "ends on the same default" for n in (32, 33)},
    "generator.calc.gguf_mix.x__mla_attention__mutmut_5":
        "equivalent: parts is the empty list there, so parts = [...] and parts += [...] agree",
    **{f"generator.calc.gguf_mix.x_is_moe_layer__mutmut_{n}":
       "equivalent on the catalogue: (i - k - 1), (i + k + 1) and (i - k + 1) differ by a multiple of 2, and every "
       "catalogue model's MoE step is 1 or 2 (DeepSeek's moe_layer_freq 1, Llama 4's interleave step 2 without dense "
       "lead layers)" for n in (6, 7)},
    **{f"generator.calc.gguf_mix.x_gguf_layout__mutmut_{n}":
       "equivalent: the cache of a pure function of an immutable Architecture and a mix (a miss only recomputes)"
       for n in (2, 3, 80)},
    **{f"generator.calc.gguf_mix.x_gguf_layout__mutmut_{n}":
       "equivalent: embd and output are always assigned after (tensor_types always yields token_embd; output comes "
       "from its own row when untied and is recomputed when tied)" for n in (24, 25)},
    **{f"generator.calc.gguf_mix.x__uneven_layers__mutmut_{n}":
       "equivalent: _fallback returns a float type unchanged, so skipping the float test changes nothing"
       for n in (10, 26)},
    # generator/calc/validation.py
    "generator.calc.validation.x_seed_rate_mib_per_token__mutmut_4":
        "equivalent: with no 7B model among the rows, model None and the default name both find no rows: the same "
        "ValueError",
    "generator.calc.validation.x_validate_against_benchmark__mutmut_18":
        "equivalent on the benchmark since main's transformers prefill change (c0215e3): at 4.38.2 no Qwen2 row's "
        "peak differs between SDPA (attn None) and flash attention 2",
    "generator.calc.validation.x_validate_against_benchmark__mutmut_1":
        "equivalent: every caller passes generate (tables/seed.py: the benchmark's generated_tokens; the tests)",
    # generator/site/check.py
    "generator.site.check.x_check_files__mutmut_21":
        "equivalent: Python's codec names are case-insensitive ('UTF-8' is 'utf-8')",
    "generator.site.check.x_check_files__mutmut_56":
        "equivalent: Python's codec names are case-insensitive ('UTF-8' is 'utf-8')",
    **{f"generator.site.check.x__planned_counterpart__mutmut_{n}":
       "equivalent: a post lies one folder deep (_posts/NAME), where rsplit('/'), split('/', 1) and rsplit('/', 2) "
       "all end in NAME; deeper files (images/charts/...) never have a post's name" for n in (7, 8, 10)},
    # generator/calc/architecture.py
    **{f"generator.calc.architecture.x_param_breakdown__mutmut_{n}":
       "equivalent: the cache of a pure function of an immutable Architecture (a miss only recomputes)"
       for n in (1, 2, 188)},
    "generator.calc.architecture.xǁArchitectureǁholds_kv__mutmut_4":
        "equivalent: a layer kind is one letter of A, S, B; none is 'X', so 'in \"XXABXX\"' is 'in \"AB\"'",
    "generator.calc.architecture.xǁArchitectureǁholds_state__mutmut_4":
        "equivalent: a layer kind is one letter of A, S, B; none is 'X', so 'in \"XXSBXX\"' is 'in \"SB\"'",
    "generator.calc.architecture.x__attention_extra__mutmut_4":
        "equivalent: with q_lora_rank 0 the term adds 0 either way",
    "generator.calc.architecture.x_kv_cache_bytes_per_token__mutmut_29":
        "equivalent: at context == window the fraction window / context is 1.0, the else branch's value",
    "generator.calc.architecture.x_kv_cache_bytes_per_token__mutmut_17":
        "equivalent on the catalogue: no model has sliding_window_layers with a window of 0",
    **{f"generator.calc.architecture.x_{name}":
       "equivalent on the catalogue: only mlp_bias models reach _dense_mlp_bias and the catalogue has none"
       for name in ("_dense_mlp_bias__mutmut_5", "_dense_mlp_bias__mutmut_7")},
    **{f"generator.calc.architecture.x_param_breakdown__mutmut_{n}":
       "equivalent unless a checkpoint keeps a kind 16-bit: the labels are only matched against keep_16bit "
       "(modules_to_not_convert), and no catalogue quantization keeps attention or mlp" for n in (48, 49, 80, 81, 121,
                                                                                             122)},
    # Gemma 4 (the only catalogue model with a second attention group of its own head size and KV heads): these
    # change only how its two groups add up; its parameter count is not yet pinned to transformers' (gap).
    **{f"generator.calc.architecture.x_{name}":
       "gap: only Gemma 4's second attention group (global_head_dim, global_kv_heads) tells; no test pins Gemma 4's "
       "count to transformers' yet"
       for name in ("param_breakdown__mutmut_11", "param_breakdown__mutmut_14", "param_breakdown__mutmut_15",
                    "param_breakdown__mutmut_18", "param_breakdown__mutmut_21", "param_breakdown__mutmut_22",
                    "param_breakdown__mutmut_25", "param_breakdown__mutmut_26", "param_breakdown__mutmut_28",
                    "param_breakdown__mutmut_33", "param_breakdown__mutmut_36", "_attention_extra__mutmut_8",
                    "_attention_extra__mutmut_10",
                    "_attention_shapes__mutmut_18", "_attention_shapes__mutmut_20", "attention_groups__mutmut_2",
                    "attention_groups__mutmut_4", "kv_cache_bytes_per_token__mutmut_42")},
    **{f"generator.calc.architecture.x_param_breakdown__mutmut_{n}":
       "equivalent: mlp_linear and mlp_bias are 0 just before, so += and = agree" for n in (63, 68)},
    **{f"generator.calc.architecture.x_params_active_per_token__mutmut_{n}":
       "gap: only Nemotron-H has ungated experts (2 matrices, not 3); its active parameter count is not pinned"
       for n in (8, 10)},
    # generator/calc/gguf_mix.py, type rules: tests/test_gguf_rules_units.py kills the rest (its equivalents are
    # the same seven as above).
    # generator/calc/llamacpp.py
    "generator.calc.llamacpp.x__is_swa_layer__mutmut_11":
        "gap: which layers slide only matters for a split across cards (the sum on one card is the same); no test "
        "splits a sliding-window model across cards",
    "generator.calc.llamacpp.x__kv_layers__mutmut_14":
        "equivalent: a model without sliding layers takes the per-layer path, where _kv_cells gives every layer n_ctx",
    "generator.calc.llamacpp.x__kv_layers__mutmut_15":
        "equivalent: without the SWA cache the per-layer path gives every layer n_ctx, as the fast path does",
    "generator.calc.llamacpp.x__kv_layers__mutmut_8":
        "equivalent: holds_kv is True for every layer of a model without layer_kinds",
    "generator.calc.llamacpp.x__kv_layers__mutmut_25":
        "equivalent on the catalogue: no model has both sliding-window layers and state layers (the per-layer path)",
    "generator.calc.llamacpp.x__kv_layers__mutmut_34":
        "equivalent on the catalogue: no model has both sliding-window layers and state layers (the per-layer path)",
    **{f"generator.calc.llamacpp.x__stage_bytes__mutmut_{n}":
       "equivalent on the catalogue: for every MoE model the output stage (n_vocab x ubatch) is larger than the "
       "feed-forward stage, so the shared-expert and dense-layer widths never decide the compute buffer"
       for n in (48, 49, 55, 56, 58, 59, 60)},
    **{f"generator.calc.llamacpp.x_llamacpp_memory__mutmut_{n}":
       "equivalent: the card holding the output head (the split's last position) always holds layers too, so "
       "adding it to the cards in use changes nothing" for n in (53, 54, 55)},
    # generator/families/safetensors_file.py
    "generator.families.safetensors_file.x__no_constant__mutmut_1":
        "equivalent: the ValueError is caught and becomes 'safetensors header is not JSON' whatever it carries",
    "generator.families.safetensors_file.x_parse_safetensors_header__mutmut_4":
        "equivalent: Python's codec names are case-insensitive ('UTF-8' is 'utf-8')",
    "generator.families.safetensors_file.x_parse_safetensors_header__mutmut_63":
        "killed since by test_tensors_after_the_metadata_are_checked_too (added after the run)",
    # generator/families/quant.py (tests/test_quant_from_config_units.py kills the rest)
    # _kinds_not_converted's MLP test: a name gets the mlp kind only if it ends with mlp, feed_forward or
    # shared_expert(s) (after "*."), so the "router" and "gate." exclusions only matter for a name that contains
    # them and still ends so, and the and/or swaps only for a shared_expert(s) outside any "mlp"/"feed_forward"
    # module; transformers' modeling files name none so (Qwen2-MoE/Qwen3-Next mlp.shared_expert, DeepSeek/GLM
    # mlp.shared_experts, Llama 4 feed_forward.shared_expert, routers mlp.gate / mlp.router).
    **{f"generator.families.quant.x__kinds_not_converted__mutmut_{n}":
       "equivalent on real module names: no transformers module name ends in mlp/feed_forward/shared_expert(s) "
       "while containing 'router' or 'gate.', or names a shared expert outside mlp/feed_forward"
       for n in (25, 26, 34, 35, 37, 38)},
    "generator.families.quant.x__kinds_not_converted__mutmut_43":
        "equivalent on real module names: rstrip('XX*.XX') differs only for a name ending in a capital X; module "
        "names are lower case",
    **{f"generator.families.quant.x_quantization_from_config__mutmut_{n}":
       "equivalent: parse_quantization is case-insensitive ('AWQ' is 'awq'), and the bnb quant type is lower-cased"
       for n in (248, 299, 313, 339, 364, 380)},
    **{f"generator.families.quant.x_quantization_from_config__mutmut_{n}":
       "equivalent: a missing quant_method read as 'none' or 'xxxx' instead of '' matches no method either, and the "
       "refusal quotes the raw value (None)" for n in (98, 100, 103)},
    # generator/calc/transformers_engine.py
    "generator.calc.transformers_engine.x_eager_bytes_per_score__mutmut_8":
        "equivalent: with a fused fp16 softmax the cast (4 + act_bytes >= 5 bytes) is the larger term either way, so "
        "max(4 + 1, 4 + act_bytes) == max(4, 4 + act_bytes)",
    # generator/calc/vllm_validation.py
    **{f"generator.calc.vllm_validation.x_{function}__mutmut_{n}":
       "equivalent: with the 16-bit test broken, kv_value is the 16-bit type's 2 bytes instead of None (the compute "
       "dtype), and vLLM computes every model in 16 bits (2 bytes): the same KV bytes"
       for function, numbers in (("check_refusal", (6, 9, 10)), ("compare_log", (6, 9, 10))) for n in numbers},
    **{f"generator.calc.vllm_validation.x_{function}__mutmut_{n}":
       "equivalent: vllm.plan takes max_model_len from the settings (settings_of passes the log's, always set); "
       "request_tokens only stands in for a model without max_position_embeddings, and every catalogue model has one"
       for function, n in (("check_refusal", 26), ("compare_log", 24))},
    "generator.calc.vllm_validation.x_compare_log__mutmut_42":
        "equivalent: compare_log always passes the layout, so observed_tokens never reads kv_bytes_per_token",
    "generator.calc.vllm_validation.x_compare_log__mutmut_68":
        "equivalent on what vLLM prints: a token count is whole blocks of 16, so no log reports 1 token",
    "generator.calc.vllm_validation.x_observed_tokens__mutmut_17":
        "equivalent: int(x / b) == int(x // b) for the positive sizes here",
    # Not equivalent, not killed: the hybrid layout in compare_log matters only for the two gpt-oss logs (12 full,
    # 12 sliding layers), where vLLM's grouped count differs from plain whole blocks by at most a block or two (the
    # double floor); the logs print GiB, not tokens, so no figure from outside pins it. tests/test_vllm.py tests
    # kv_layout itself (test_hybrid_layout_groups_layers_by_attention_type, test_group_size_follows_vllm_rule...).
    **{f"generator.calc.vllm_validation.x_compare_log__mutmut_{n}":
       "gap: the hybrid layout's arguments, seen only in the gpt-oss logs' last block (kv_layout is tested directly "
       "in tests/test_vllm.py)" for n in (43, 46, 52, 56, 65)},
    # generator/blog/write.py (scope write): equivalent mutants, and guards against races no test can time.
    "generator.blog.write.x_manifest_text__mutmut_8":
        "equivalent: Python's codec names are case-insensitive ('UTF-8' is 'utf-8')",
    "generator.blog.write.x_read_manifest_lines__mutmut_21":
        "equivalent: Python's codec names are case-insensitive ('UTF-8' is 'utf-8')",
    "generator.blog.write.x__clean__mutmut_3":
        "equivalent: the empty path is one empty part, refused by the empty-part rule anyway",
    "generator.blog.write.x__clean__mutmut_6":
        "equivalent: an absolute path has an empty first part, refused by the empty-part rule anyway",
    "generator.blog.write.x__under__mutmut_5":
        "equivalent: _under never sees folder '' (catalogue '' is falsy; config normalises posts to '.')",
    "generator.blog.write.x__under__mutmut_9":
        "equivalent: folders come normalised from the config (os.path.normpath: no trailing '/')",
    "generator.blog.write.x__under__mutmut_10":
        "equivalent: folders come normalised and relative from the config (absolute ones are refused)",
    "generator.blog.write.x_may_own__mutmut_10": "equivalent: rsplit('/') and rsplit('/', 1) have the same last part",
    "generator.blog.write.x_may_own__mutmut_11":
        "equivalent: name is only used with endswith (any suffix of the path gives the same answer) and, for "
        "top-level paths, equals the path",
    "generator.blog.write.x_may_own__mutmut_12":
        "equivalent: name is only used with endswith and, for top-level paths, equals the path",
    "generator.blog.write.x_may_own__mutmut_13":
        "equivalent: rsplit('/', 2) and rsplit('/', 1) have the same last part",
    "generator.blog.write.x_may_own__mutmut_58":
        "equivalent: the character skipped is the file name's first, never '/' (_clean refuses '//')",
    "generator.blog.write.x_read_manifest_lines__mutmut_10": "equivalent: follow=None is falsy, as follow=False",
    "generator.blog.write.x_published_bytes__mutmut_18": "equivalent: follow=None is falsy, as follow=False",
    "generator.blog.write.x_published_bytes__mutmut_21":
        "race only: lstat has already refused a link; follow=False guards a link swapped in between lstat "
        "and open, which a test cannot time (tests/test_hostile_blog.py)",
    "generator.blog.write.x_published_bytes__mutmut_22": "race only: as published_bytes__mutmut_21",
    "generator.blog.write.x_refusals__mutmut_34": "equivalent: stale_paths(regular_only=False) does not read blog",
    "generator.blog.write.x_refusals__mutmut_37": "equivalent: regular_only=None is falsy, as False",
    "generator.blog.write.x_stale_paths__mutmut_20":
        "equivalent: a marker's digest never equals a manifest's SHA-256, so the digest test refuses it anyway",
    "generator.blog.write.x_write_blog__mutmut_99": "equivalent: _replace_manifest does not read blog",
    "generator.blog.write.x_write_blog__mutmut_133": "equivalent: _replace_manifest does not read blog",
    "generator.blog.write.x_write_blog__mutmut_118":
        "race only: stale_paths has just checked the same three conditions; the re-check guards a file "
        "swapped before the unlink",
    "generator.blog.write.x_write_blog__mutmut_119": "race only: as write_blog__mutmut_118",
    "generator.blog.write.x_write_blog__mutmut_123": "race only: as write_blog__mutmut_118",
    "generator.blog.write.x_write_blog__mutmut_149":
        "equivalent unless unlinking a staging file fails (suppress(None) only differs then)",
    "generator.blog.write.x__replace_manifest__mutmut_9":
        "equivalent: only the staging file's random name changes (still matched as staging)",
    "generator.blog.write.x__replace_manifest__mutmut_10": "equivalent: '.generator-manifest' has no trailing '.'",
    "generator.blog.write.x__replace_manifest__mutmut_11":
        "equivalent: stripping 'X' and '.' from '.generator-manifest' gives the same name",
    "generator.blog.write.x__remove_leftover_staging__mutmut_10":
        "equivalent: split('XX/XX') keeps the path whole, os.path.join gives the same folder",
    "generator.blog.write.x__remove_leftover_staging__mutmut_20": "equivalent unless unlinking a staging file fails",
    "generator.blog.write.x__remove_emptied_folders__mutmut_2":
        "equivalent: os.path.dirname never gives '.' (assets or posts '.' are kept by name)",
    # generator/calc/vllm.py, memory terms (mutmemory): tests/test_vllm_memory_units.py kills the rest.
    **{f"generator.calc.vllm.x_kv_layout__mutmut_{n}":
       "equivalent on the catalogue: the first return is for a model with no KV at all (per_token 0); every model "
       "in content/models.yaml has attention layers" for n in (12, 13, 14, 15, 16)},
    **{f"generator.calc.vllm.x_kv_layout__mutmut_{n}":
       "equivalent on the catalogue: the changed 'uniform' differs only for an MLA, layer_kinds or global_head_dim "
       "model without global_kv_heads, and none of those has a sliding window, so 'sliding' stays 0 either way"
       for n in (42, 43)},
    **{f"generator.calc.vllm.x_kv_layout__mutmut_{n}":
       "gap: they lay gemma-4-E2B (the one sliding-window model with two head sizes: global_head_dim 512 against "
       "256) out in groups as if its pages were uniform; kv_layout deliberately does not, and what vLLM does for it "
       "(unify_kv_cache_spec_page_size first, then the groups) is modelled by neither branch nor shown by any log "
       "here, so no outside value tells them apart" for n in (44, 51, 52)},
    **{f"generator.calc.vllm.x_{name}":
       "equivalent: int(a / b) differs from a // b only when a lies within one unit in the last place below a "
       "multiple of b; pages are whole bytes and plan's budgets whole bytes below 2**53 (where a quotient of two "
       "integers never rounds up to the next integer), and no log's GiB figure x 2**30 lands there "
       "(tests/test_vllm.py's validation passes under them)"
       for name in ("kv_layout__mutmut_67", "kv_layout__mutmut_116", "kv_layout__mutmut_138",
                    "_state_layout__mutmut_40")},
    "generator.calc.vllm.x_kv_layout__mutmut_161":
        "gap: differs only at v0.13.0 itself, the release taken as the first with Llama 4's chunked local attention "
        "back in the hybrid manager (PR #29627, opened after v0.12.0, whose log still warns); the tag was not read, "
        "so no source says which side 0.13.0 is on",
    "generator.calc.vllm.x_kv_heads_per_rank__mutmut_6":
        "gap: kv_heads / tp differs from kv_heads // tp only where neither divides the other (phi-4 at TP 4 or 8, "
        "Qwen2.5-14B at TP 5 or 10, Llama-3.2-3B at TP 3 ...); vLLM refuses those (QKVParallelLinear: "
        "divide(self.total_num_kv_heads, tp_size) / divide(tp_size, self.total_num_kv_heads) assert), so neither "
        "value is vLLM's; check() refuses them (tensor_parallel_refusal), so such an estimate carries vLLM's refusal",
    "generator.calc.vllm.x_mxfp4_padding_bytes__mutmut_10":
        "gap: -(-I / tp) differs from -(-I // tp) only where tp does not divide moe_intermediate_size, a split vLLM's "
        "MoE layers do not make (in the catalogue: Qwen2-57B-A14B at TP 7/14, Llama 4 at TP 5/10/20 and "
        "Mixtral-8x22B at TP 3/6/12, which also fail the KV-head split, and TP 24 and above), so no vLLM value "
        "exists there to test against",
    "generator.calc.vllm.x_non_torch_bytes__mutmut_1":
        "equivalent: the default card name 'XXXX' contains no NVLink card's tag, as '' does not",
    **{f"generator.calc.vllm.x_weights_per_rank__mutmut_{n}":
       "equivalent: a default quant_format 'XXXX' is not 'mxfp4', as '' is not; the gpu_name is only read for MXFP4 "
       "padding, where 'XXXX' names no Blackwell card, as '' does not" for n in (1, 2)},
    **{f"generator.calc.vllm.x_sampler_peak__mutmut_{n}":
       "equivalent: every sampler name other than 'flashinfer' and 'triton' takes the sort path, as 'sort' does"
       for n in (1, 2)},
    "generator.calc.vllm.x_state_page_bytes__mutmut_2":
        "equivalent: only _state_layout calls state_page_bytes, and only for models with state layers",
    # generator/calc/estimator.py (mutest)
    "generator.calc.estimator.x_estimate__mutmut_5":
        "equivalent: a None key is never stored (the memo is skipped), so every call computes the same frozen Estimate",
    "generator.calc.estimator.x_estimate__mutmut_44":
        "equivalent: the memo is cleared one entry later; its size only, never a result",
    **{f"generator.calc.estimator.x_vllm_rules__mutmut_{n}":
       "equivalent: the rules memo misses (or clears one entry later) and _vllm_rules rebuilds equal frozen rules"
       for n in (2, 6, 9)},
    "generator.calc.estimator.x__estimate__mutmut_2":
        "equivalent: _estimate's only caller, estimate(), always passes gpus, so its default is never used",
    "generator.calc.estimator.x_weight_bytes__mutmut_42":
        "equivalent: param_breakdown appends one kind per linear shape (architecture.py), so linear_kinds is empty "
        "only when linear_shapes is, an architecture without a linear layer that no reader builds",
    "generator.calc.estimator.x__estimate_transformers__mutmut_130":
        "equivalent: eager_scores is read by _prefill_layer_activations only when flash is False, where both "
        "sides compute it",
    "generator.calc.estimator.x__estimate_transformers__mutmut_245":
        "equivalent: held_hidden_states tests `not first_gpu`, and None is falsy as False is",
    "generator.calc.estimator.x__layer_split_peaks__mutmut_48":
        "equivalent on the catalogue: one byte less room on the later cards moves floor(room / layer) only within a "
        "byte of a whole layer; no per-card peak changes over every model x transformers 4.38/4.45/4.57 x bf16/"
        "gptq-int4/awq-int4 x 2/3/4/8 cards x 1k/32k tokens",
    "generator.calc.estimator.x__layer_split_peaks__mutmut_95":
        "equivalent on the catalogue: a card left without layers never has its decode set as its peak (its prefill "
        "layer peak is larger); same scan as above, no per-card peak changes",
    "generator.calc.estimator.x__estimate_transformers__mutmut_250":
        "gap (time): dropping prefill_repeat on the later cards changes a card's peak only where its attention set "
        "with the repeated K/V is the peak (Qwen3-0.6B on 8 cards at 4.38: 140523227 -> 136328923 bytes on card 7); "
        "testable, but the expected value needs that card's whole split derived, not done in the helper's time",
    # generator/site/check.py (mutcheck)
    **{f"generator.site.check.x_reader_equivalent__mutmut_{n}":
       "equivalent: Python's codec names are case-insensitive ('UTF-8' is 'utf-8')" for n in (9, 14)},
    "generator.site.check.x__differences__mutmut_10":
        "equivalent on real pages: it only walks parsed JSON (json_findings; chart data read from an SVG's or PNG's "
        "JSON), whose object keys are always str, so sorted(keys) orders them as sorted(keys, key=str) does",
    "generator.site.check.x__unplanned_tables__mutmut_14":
        "equivalent: follow is only tested for truth (safeio: os.stat if follow else os.lstat, 0 if follow else "
        "O_NOFOLLOW); None is false as False is",
    "generator.site.check.x__unplanned_tables__mutmut_19":
        "equivalent: 'page' only words read_bounded's error message, and _unplanned_tables reports the error by its "
        "type name alone (NotRegular/TooLarge), never its message",
    "generator.site.check.x_check_site__mutmut_14":
        "equivalent: writer._open_lock only tests required for truth ('... or required: raise'); None is false as "
        "False is",
    "generator.site.check.x_workbook_reader_view__mutmut_21":
        "equivalent: the comprehension keeps only columns with a true d.width, so 'd.width or 1' is d.width as "
        "'d.width or 0' is",
    # The fresh-seed check sample (2026-12-07 23:32, seed 20261208): four killed by test_check_survivors_units.py's
    # new tests; these four differ only in a count or a type name inside a message, or not at all.
    "generator.site.check.x__check_locked__mutmut_7":
        "gap: the summary line's file count ('... in N files') is pinned by no fast test (none checks a whole site; "
        "the committed-site test is left out); the findings and the exit code are the same",
    "generator.site.check.x__file_findings__mutmut_45":
        "gap: an undecodable file's finding would name NoneType instead of the exception's type; the finding and "
        "the exit code stay, and no fast test feeds check a file the decoder raises on there",
    "generator.site.check.x_chart_findings__mutmut_21":
        "gap: past 5 differing chart data points the last line counts the rest (differences + limit instead of "
        "- limit); the points named and the exit code stay, and no fast test changes more than 5 points of a chart",
    "generator.site.check.x_unmade_files__mutmut_16":
        "equivalent: the top folder's parts become ['.'] instead of [], but generator_folders never holds '.' (it "
        "takes the folder part of plan.files' keys, which never start with './'), so the top stays unowned either way",
    # generator/families/model_ids.py and hub.py (mutids)
    "generator.families.model_ids.x__folded__mutmut_4":
        "equivalent: rsplit('/') without a maxsplit splits at every '/', but [-1] is the part after the last '/' "
        "either way",
    "generator.families.model_ids.x__folded__mutmut_7":
        "equivalent: rsplit('/', 2)[-1] is the part after the last '/' as rsplit('/', 1)[-1] is",
    "generator.families.model_ids.x__family_key__mutmut_5":
        "equivalent: changed is only tested for truth (while changed); None is false as False is",
    "generator.families.model_ids.x_closest_model_ids__mutmut_19":
        "equivalent: difflib.get_close_matches's cutoff defaults to 0.6, the value given",
    "generator.families.model_ids.x_closest_model_ids__mutmut_29":
        "equivalent: only [0] of the split is used, the part before the first match, whatever maxsplit is",
    "generator.families.model_ids.x_closest_model_ids__mutmut_33":
        "equivalent: only [0] of the split is used, the part before the first match, whatever maxsplit is",
    # hub.py: the 34 of 573 mutants that tests/test_hub_units.py (a fake Hub behind http.client) leaves alive
    # (renumbered by hubrange's fix for servers that ignore Range; looped again, /work/mut/h-hubrange)
    "generator.families.hub.x_deadline_seconds__mutmut_11":
        "equivalent: float('NAN') is NaN as float('nan') is (float() ignores the case of 'nan')",
    "generator.families.hub.x_cache_path__mutmut_7":
        "equivalent: Python's codec names are case-insensitive ('UTF-8' is 'utf-8')",
    **{f"generator.families.hub.x_read_cache__mutmut_{n}":
       "equivalent: read_bounded's 'what' (here None, another text or its default 'file') only words its error "
       "messages, and read_cache turns every GeneratorError into None without showing it" for n in (4, 8, 10, 11)},
    "generator.families.hub.x_read_cache__mutmut_5":
        "equivalent: follow is only tested for truth (safeio.open_regular: O_NOFOLLOW unless follow); None is false "
        "as False is",
    **{f"generator.families.hub.x_write_cache__mutmut_{n}":
       "equivalent: create_exclusive's name_hint only names the temporary file (.HINT.RANDOM.generator-tmp), which "
       "os.replace then renames to the cache path" for n in (25, 26)},
    **{f"generator.families.hub.x__request_once__mutmut_{n}":
       "equivalent: HTTP field names are case-insensitive (RFC 9110 section 5.1) and no caller passes a User-Agent "
       "or Accept-Encoding of its own, so the server gets the same request" for n in (45, 46, 48, 49)},
    "generator.families.hub.x__request_once__mutmut_51":
        "equivalent: content-coding names are case-insensitive (RFC 9110 section 8.4.1): IDENTITY is identity",
    **{f"generator.families.hub.x__request_once__mutmut_{n}":
       "equivalent: the body is read with read(n) instead of read1(n) (HTTPResponse has both; read waits for n bytes "
       "where read1 returns what has come); on a slow server the worker then notices the deadline later, but "
       "request's join(deadline.left()) ends the wait at the same deadline with the same error either way "
       "(test_a_server_that_drips_bytes_is_cut_off_by_the_deadline)" for n in (68, 79, 83, 84)},
    **{f"generator.families.hub.x__request_once__mutmut_{n}":
       "equivalent: 65537 instead of 65536 only changes the size of each piece asked for; the loop still stops at "
       "cap + 1 bytes in all (test_a_large_cap_is_read_in_pieces_and_never_past_cap_plus_one)" for n in (75, 90)},
    "generator.families.hub.x_request__mutmut_37":
        "equivalent: work() appends its one outcome as its last act, so after join the worker is alive exactly when "
        "outcome is empty, but for the instant between that append and the thread's end (when the outcome is whole "
        "and reading it is right)",
    **{f"generator.families.hub.x_request__mutmut_{n}":
       "equivalent: with no Location the default is joined to the URL, and urljoin(url, None) returns url as "
       "urljoin(url, '') does (its 'if not url: return base')" for n in (68, 70)},
    **{f"generator.families.hub.x__total_size__mutmut_{n}":
       "equivalent: the default for a missing header, 'XXXX' instead of '', neither matches the Content-Range "
       "pattern nor is digits, so the answer is the same" for n in (8, 28)},
    **{f"generator.families.hub.x_safetensors_headers__mutmut_{n}":
       "equivalent: range units are case-insensitive (RFC 9110 section 14.1: BYTES=0-7 is bytes=0-7), and a server "
       "that ignored it would send the file from byte 0, whose first 8 bytes are the ones asked for"
       for n in (25, 100)},
    **{f"generator.families.hub.x_safetensors_headers__mutmut_{n}":
       "equivalent: parse_config_json's path only locates its GeneratorError, which safetensors_headers replaces "
       "by its own reason ('... is not a JSON object')" for n in (46, 52, 53)},
    "generator.families.hub.x_safetensors_headers__mutmut_51":
        "equivalent: Python's codec names are case-insensitive ('UTF-8' is 'utf-8')",
    "generator.families.hub.x_safetensors_headers__mutmut_124":
        "equivalent: first.body has at most 8 bytes (request's cap 8, with a Range), so _part's body[:9] (a 206) "
        "or body[0:9] (a 200) is body[:8]",
    "generator.families.hub.x__part__mutmut_19":
        "equivalent: the default for a missing Content-Range, 'XXXX' instead of '', does not match 'bytes N-' "
        "either, so a 206 without one is refused the same",
    "generator.families.hub.x_safetensors_headers__mutmut_166":
        "equivalent: parse_safetensors_header's path only locates its GeneratorError, and safetensors_headers keeps "
        "only the message (HubError(exc.message))",
    # end of mutids's block
    # generator/families/gguf_file.py (mutgguffile): tests/test_gguf_file_units.py kills the rest. The reader's
    # window: a read (os.pread) happens when a field is not all inside the window already read; these change the test
    # only where it can never be true, or turn a "check, then need()" into a check that need() then decides alike.
    "generator.families.gguf_file.xǁ_Cursorǁ__init____mutmut_6":
        "equivalent: the first window is empty, so the first take (the 4-byte magic) reads whatever window_at is",
    **{f"generator.families.gguf_file.xǁ_Cursorǁtake__mutmut_{n}":
       "equivalent: offset is 0 only at the first take (empty window, read anyway): every later take follows a "
       "take or skip_strings that moved pos past window_at (an empty string's take follows its 8-byte length)"
       for n in (8, 9)},
    "generator.families.gguf_file.xǁ_Cursorǁskip__mutmut_2":
        "equivalent: skip's only caller (_value) has just checked need() for the same byte count, so this need() "
        "never fails and its 'what' is never shown",
    "generator.families.gguf_file.x__value__mutmut_37":
        "equivalent: the same need() as the line before it (count * size) runs first, so skip's 'what' is never shown",
    "generator.families.gguf_file.xǁ_Cursorǁstring__mutmut_21":
        "equivalent: Python's codec names are case-insensitive ('UTF-8' is 'utf-8')",
    **{f"generator.families.gguf_file.xǁ_Cursorǁskip_strings__mutmut_{n}":
       "equivalent: the branch only calls need(8), which passes when exactly 8 bytes are left, as without it"
       for n in (8, 9)},
    **{f"generator.families.gguf_file.xǁ_Cursorǁskip_strings__mutmut_{n}":
       "equivalent: offset is never 0 there: skip_strings starts after the array's count was taken from the window, "
       "and after a new read at a length it moves 8 bytes on before the next check" for n in (19, 20)},
    "generator.families.gguf_file.xǁ_Cursorǁskip_strings__mutmut_43":
        "equivalent: the branch only calls need(length), which passes when the string ends at the end of the file",
    # end of mutgguffile's block
    # generator/families/sources.py (mutsources). Every other mutant of the module is killed by
    # tests/test_sources_units.py (checked one by one with MUTANT_UNDER_TEST against the full run's tree).
    **{f"generator.families.sources.x__is_gguf__mutmut_{n}":
       "equivalent: the 'what' given to open_regular only words its refusals, which _is_gguf swallows (False)"
       for n in (3, 6, 7, 8)},
    **{f"generator.families.sources.x_read_gguf__mutmut_{n}":
       "equivalent: read_gguf re-raises any GeneratorError of architecture_from_config with the GGUF's path, and "
       "that path is used only in its refusals" for n in (12, 14)},
    "generator.families.sources.x_read_gguf__mutmut_48":
        "equivalent: a label of None is falsy as '' is: no parse, name 'gguf', note 'unknown' alike",
    **{f"generator.families.sources.x_read_gguf__mutmut_{n}":
       "equivalent: parse_quantization(label).name is the label itself for every llama_ftype name it knows (checked "
       "for each LlamaFileType of gguf 0.19: f16 ... q1_0; all_f32 and guessed are unknown, as '' and None are), "
       "so the name is the label with or without the parse" for n in (50, 51, 52, 53, 75)},
    "generator.families.sources.x_read_gguf__mutmut_54": "equivalent: base '' is falsy as None is",
    "generator.families.sources.x_read_hub_model__mutmut_48": "equivalent: fetched None is falsy as False is (only 'if fetched' reads it)",
    "generator.families.sources.x_read_hub_model__mutmut_57": "equivalent: 'UTF-8' and 'utf-8' name the same codec",
    "generator.families.sources.x_read_model_source__mutmut_32":
        "equivalent: dropping the positional None leaves line_of at its default, None: the same call",
    # end of mutsources's block
    # generator/families/reader.py (mutreader)
    # every mutant of the module (2,359) rerun one by one against tests/test_reader_units.py; these are the ones
    # no input tells apart (or none a published config.json gives). Recurring kinds: a default for an absent key
    # that an "or DEFAULT" restores, allow_zero None (as falsy as False), a branch no table.FAMILIES entry reaches.
    **{f"generator.families.reader.x_family_of__mutmut_{n}":
       "equivalent: every FAMILIES entry has a 'classes' list, so the default of spec.get('classes', ...) is "
       "never used"
       for n in (37, 39)},
    "generator.families.reader.xǁ_Fieldsǁneed__mutmut_22":
        "equivalent: allow_zero None is as falsy as False (positive integer, same message)",
    "generator.families.reader.xǁ_Fieldsǁflag__mutmut_5":
        "equivalent: with the key absent value is None, and bool(None) is the default False every caller "
        "passes",
    "generator.families.reader.x__merged__mutmut_7":
        "equivalent: without a nested key, config.get(None) is None (config.json keys are text)",
    **{f"generator.families.reader.x__merged__mutmut_{n}":
       "equivalent: the reader never reads a key named vision_config or audio_config from the merged text "
       "(vision.py reads the top-level config)"
       for n in (21, 22, 23, 24)},
    **{f"generator.families.reader.x__sliding_layers__mutmut_{n}":
       "equivalent: _sliding_layers runs only with a window, and _window gives one only to a family with a "
       "sliding rule"
       for n in (32, 34, 37, 38, 39, 42, 43, 44)},
    "generator.families.reader.x__sliding_layers__mutmut_129":
        "equivalent: unreachable; every sliding rule of table.FAMILIES (all, alternate, pattern, qwen, "
        "chunked) returns earlier",
    "generator.families.reader.x__sliding_layers__mutmut_81":
        "equivalent: allow_zero None is as falsy as False (positive integer, same message)",
    "generator.families.reader.x__sliding_layers__mutmut_114":
        "equivalent: an absent no_rope_layer_interval gives None instead of 4, and 'or 4' gives 4 again",
    "generator.families.reader.x__sliding_layers__mutmut_116":
        "equivalent: an absent no_rope_layer_interval gives 0 instead of 4, and 'or 4' gives 4 again",
    **{f"generator.families.reader.x__kv_heads__mutmut_{n}":
       "equivalent: a family without a kv rule falls through to the last line, the 'config' rule"
       for n in (3, 5, 8, 9)},
    **{f"generator.families.reader.x__kv_heads__mutmut_{n}":
       "equivalent: an absent num_kv_heads gives None (or 0) instead of heads, and 'or heads' gives heads "
       "again"
       for n in (21, 23)},
    **{f"generator.families.reader.x__kv_heads__mutmut_{n}":
       "equivalent: an absent num_key_value_heads gives None (or 0) instead of heads, and 'or heads' gives "
       "heads again"
       for n in (38, 40)},
    **{f"generator.families.reader.x__norms_per_layer__mutmut_{n}":
       "equivalent: an absent num_ln_in_parallel_attn gives None (or 0) instead of 2, and 'or 2' gives 2 "
       "again"
       for n in (9, 11)},
    "generator.families.reader.x__moe_fields__mutmut_2":
        "equivalent: with no experts key None and 0 both end in 'if not experts: return {}'",
    **{f"generator.families.reader.x__moe_fields__mutmut_{n}":
       "equivalent: an absent step key gives None (or 0) instead of 1, and 'or 1' gives 1 again"
       for n in (73, 75)},
    **{f"generator.families.reader.x__layer_kinds__mutmut_{n}":
       "equivalent: an absent full_attention_interval gives None (or 0) instead of 4, and 'or 4' gives 4 "
       "again"
       for n in (27, 29)},
    **{f"generator.families.reader.x__hybrid_fields__mutmut_{n}":
       "equivalent: an absent mamba_rms_norm gives None instead of False, both false"
       for n in (148, 150)},
    **{f"generator.families.reader.x__hybrid_fields__mutmut_{n}":
       "equivalent: an absent projectors_bias gives None instead of False, both false"
       for n in (163, 165)},
    **{f"generator.families.reader.x__hybrid_fields__mutmut_{n}":
       "equivalent: an absent use_bias gives None instead of False, both false"
       for n in (216, 218)},
    **{f"generator.families.reader.x__mamba_mixer__mutmut_{n}":
       "equivalent: an absent mamba_n_groups gives None (or 0) instead of 1, and 'or 1' gives 1 again"
       for n in (11, 13)},
    **{f"generator.families.reader.x__mamba_mixer__mutmut_{n}":
       "equivalent on published configs: the 'or' default is reached only by mamba_n_groups 0, no valid "
       "Mamba2 config (its heads split into groups)"
       for n in (18, 19)},
    **{f"generator.families.reader.x__mamba_mixer__mutmut_{n}":
       "equivalent: an absent mamba_d_head gives None instead of 'auto', and both mean inner // heads"
       for n in (25, 27)},
    "generator.families.reader.x__mamba_mixer__mutmut_41":
        "equivalent: allow_zero None is as falsy as False (positive integer, same message)",
    **{f"generator.families.reader.x__mamba_mixer__mutmut_{n}":
       "equivalent: an absent mamba_proj_bias gives None instead of False, both false"
       for n in (57, 59)},
    **{f"generator.families.reader.x__period__mutmut_{n}":
       "equivalent: an absent period key gives None (or 0) instead of the default, and 'or period' gives the "
       "default again"
       for n in (4, 6)},
    **{f"generator.families.reader.x__jamba_mixer__mutmut_{n}":
       "equivalent: an absent mamba_d_state gives None (or 0) instead of 16, and 'or 16' gives 16 again"
       for n in (4, 6)},
    **{f"generator.families.reader.x__jamba_mixer__mutmut_{n}":
       "equivalent on published configs: the 'or' default is reached only by mamba_d_state 0, no valid Mamba "
       "config (JambaConfig default 16)"
       for n in (11, 12)},
    **{f"generator.families.reader.x__jamba_mixer__mutmut_{n}":
       "equivalent: an absent mamba_d_conv gives None (or 0) instead of 4, and 'or 4' gives 4 again"
       for n in (16, 18)},
    **{f"generator.families.reader.x__jamba_mixer__mutmut_{n}":
       "equivalent on published configs: the 'or' default is reached only by mamba_d_conv 0, no valid "
       "convolution kernel (JambaConfig default 4)"
       for n in (23, 24)},
    **{f"generator.families.reader.x__jamba_mixer__mutmut_{n}":
       "equivalent: an absent mamba_dt_rank gives None instead of 'auto', and both mean ceil(hidden / 16)"
       for n in (31, 33)},
    "generator.families.reader.x__jamba_mixer__mutmut_50":
        "equivalent: allow_zero None is as falsy as False (positive integer, same message)",
    **{f"generator.families.reader.x__jamba_mixer__mutmut_{n}":
       "equivalent: an absent mamba_proj_bias gives None instead of False, both false"
       for n in (68, 70)},
    **{f"generator.families.reader.x__gemma4_fields__mutmut_{n}":
       "equivalent: an absent attention_k_eq_v gives None instead of False, both false"
       for n in (55, 57)},
    **{f"generator.families.reader.x__gemma4_fields__mutmut_{n}":
       "equivalent: an absent global_head_dim gives None (or 0) instead of 512, and 'or 512' gives 512 again"
       for n in (64, 66)},
    **{f"generator.families.reader.x__gemma4_fields__mutmut_{n}":
       "equivalent on published configs: the 'or' default is reached only by global_head_dim 0, no valid "
       "head size (Gemma4TextConfig default 512)"
       for n in (71, 72)},
    **{f"generator.families.reader.x__gemma4_fields__mutmut_{n}":
       "equivalent: allow_zero None is as falsy as False (positive integer, same message)"
       for n in (99, 115)},
    **{f"generator.families.reader.x__gemma4_fields__mutmut_{n}":
       "equivalent: an absent use_double_wide_mlp gives None instead of False, both false"
       for n in (152, 154)},
    **{f"generator.families.reader.x__gemma4_fields__mutmut_{n}":
       "equivalent on published configs: vocab_size is read only when vocab_size_per_layer_input is 0, which "
       "no Gemma 4 config.json gives (Gemma4TextConfig default 262144)"
       for n in (239, 240, 241)},
    "generator.families.reader.x__gemma4_fields__mutmut_265":
        "equivalent: Gemma 4 has no first_k_dense_replace or MoE step, so the MoE layer rule gives every "
        "layer, as moe_layers_override=layers does",
    "generator.families.reader.x__indexer_layers__mutmut_43":
        "equivalent: an absent index_topk_freq gives 0 instead of 1, and max(..., 1) gives 1 again",
    **{f"generator.families.reader.x_architecture_from_config__mutmut_{n}":
       "equivalent: unreachable; the KV-head check fails only for a num_key_value_heads/num_kv_heads the "
       "file gives (every rule defaults to heads), so raw() always names it"
       for n in (131, 132)},
    "generator.families.reader.x_architecture_from_config__mutmut_172":
        "equivalent: _moe_fields does not use its hidden argument",
    "generator.families.reader.x_architecture_from_config__mutmut_173":
        "equivalent: _moe_fields does not use its layers argument",
    "generator.families.reader.x_architecture_from_config__mutmut_208":
        "equivalent: raw() gives (None, None) for an absent key and never a name with a None value, so [0] "
        "and [1] are None together",
    "generator.families.reader.x_architecture_from_config__mutmut_281":
        "equivalent: extra is still 0 when the lm_head bias is added (it is the first term), so = and += "
        "agree",
    "generator.families.reader.x_architecture_from_config__mutmut_286":
        "equivalent: OPT has no lm_head_bias, so extra is still 0 when the OPT projections are added",
    "generator.families.reader.x_architecture_from_config__mutmut_352":
        "equivalent: no hybrid family has lm_head_bias or is OPT, so extra is still 0 when the state layers' "
        "extras are added",
    "generator.families.reader.x_architecture_from_config__mutmut_354":
        "equivalent: the local kinds is never read afterwards",
    "generator.families.reader.x_architecture_from_config__mutmut_364":
        "equivalent: for Nemotron-H blocks is the non-empty pattern _block_pattern returned (it refuses an "
        "empty one), so 'or' never picks the literal",
    "generator.families.reader.x_architecture_from_config__mutmut_404":
        "equivalent: GLM-5 (the only indexer family) has no lm_head_bias, state layers or OPT projections, so "
        "extra is still 0 when the indexer extras are added",
    "generator.families.reader.x_architecture_from_config__mutmut_426":
        "equivalent: Gemma 4's table entry defaults num_key_value_heads (4), so _kv_heads never falls back to "
        "its heads argument",
    "generator.families.reader.x_architecture_from_config__mutmut_438":
        "equivalent: Gemma 4 has no lm_head_bias, state layers, indexer or OPT projections, so extra is still "
        "0 when its extras are added",
    **{f"generator.families.reader.x_architecture_from_config__mutmut_{n}":
       "equivalent: no family has both qk_norm and gemma4 in table.FAMILIES, so 'and not spec.get(gemma4)' "
       "never decides"
       for n in (598, 599, 600)},
    "generator.families.reader.x_architecture_from_config__mutmut_642":
        "equivalent on the catalogue: only a model of exactly 10**15 parameters tells > from >=, a thousand "
        "times the largest model (Kimi-K2, about 10**12)",
    # end of mutreader's block
    # generator/families/model_config.py (mutmodelconfig)
    "generator.families.model_config.xǁ_BadJsonǁ__init____mutmut_1":
        "equivalent: _BadJson never leaves parse_config_json, which reads its .message, .token and .fix attributes, "
        "never str(exc) or exc.args",
    **{f"generator.families.model_config.x__line_of_token__mutmut_{n}":
       "equivalent: returning 1 for a token found at offset 0 gives the line the count gives there (no newline "
       "before offset 0)" for n in (7, 8)},
    **{f"generator.families.model_config.x_{name}":
       "equivalent: str.count(sub, None, end) counts from the start, as count(sub, 0, end) does"
       for name in ("_line_of_token__mutmut_11", "parse_config_json__mutmut_138")},
    **{f"generator.families.model_config.x__duplicate_key_line__mutmut_{n}":
       "equivalent: parse_config_json calls it only after the parser read `key` twice in one object, so the scan "
       "returns at that key before the text ends (the loop's last test and the fall-back line are never reached)"
       for n in (4, 44)},
    **{f"generator.families.model_config.x__duplicate_key_line__mutmut_{n}":
       "equivalent: the text it scans is valid JSON up to the repeated key, where an X only occurs inside strings "
       "(which the scan skips whole), so counting X as a bracket changes nothing" for n in (12, 15)},
    **{f"generator.families.model_config.x__json_depth_line__mutmut_{n}":
       "equivalent: escaped and in_string are only tested for truth; None is false as False is" for n in (11, 19)},
    "generator.families.model_config.x__json_key_lines__mutmut_18":
        "equivalent: stripped.find('\"', 1) is -1 or at least 1, never 0, so end >= 0 and end > 0 agree",
    "generator.families.model_config.x_architecture_from_model_entry__mutmut_75":
        "equivalent: architecture_from_config and the readers it calls (reader.py, vision.py) only test line_of for "
        "truth ('... if line_of else None'); '' is false as None is",
    # end of mutmodelconfig's block
    # generator/families/vision.py (mutvision)
    # No survivor to explain: tests/test_vision_units.py alone kills all 764 mutants (2026-12-07 22:39 UTC, mutmut
    # 3.8.1 over the whole module, --tests tests/test_vision_units.py; tree kept in /work/mut/h-mutvision/run1).
    # end of mutvision's block
}


# Issue 23's table of one-line changes: each must fail a fast test that says why the number is right, not only the
# frozen-site comparison. (name, file, the line as it is, the line changed, the tests that must fail on it)
ISSUE_23_CHANGES = [
    ("drop the extra decode-step KV term", "generator/calc/estimator.py",
     "decode_kv = kv_full + layer_kv_full", "decode_kv = kv_full", ["tests/test_estimator_terms.py"]),
    ("multi-GPU headroom 1.25 -> 1.0", "generator/calc/estimator.py",
     "BALANCED_MAP_HEADROOM_LAYERS = 1.25", "BALANCED_MAP_HEADROOM_LAYERS = 1.0",
     ["tests/test_estimator_terms.py"]),
    ("GGUF q8_0 8.5 -> 8.0 bits per weight", "generator/calc/estimator.py", '"q8_0": 8.5', '"q8_0": 8.0',
     ["tests/test_numbers_from_sources.py"]),
    ("longest context one step short", "generator/calc/gpu_fit.py", "return low * granularity",
     "return max(0, low - 1) * granularity", ["tests/test_estimator_terms.py", "tests/test_gpu_fit.py"]),
    ("drop attention-sink parameters", "generator/calc/architecture.py",
     "norms += arch.heads if arch.attention_sinks else 0", "norms += 0",
     ["tests/test_numbers_from_sources.py", "tests/test_families.py"]),
    ("drop the tensor-parallel all-reduce term", "generator/calc/vllm.py", "stream = 3 * h + (h if tp > 1 else 0)",
     "stream = 3 * h", ["tests/test_numbers_from_sources.py"]),
    ("skip the 'edited by hand, would delete' refusal", "generator/blog/write.py",
     'if current is not None and not current.startswith(b"\\0") and digest(current) != owned[relative]:',
     "if False:", ["tests/test_blog_write_units.py", "tests/test_check_gaps.py"]),
    ("extra-row detection off by one", "generator/site/check.py", "for got in published.rows[len(expected.rows):]",
     "for got in published.rows[len(expected.rows) + 1:]", ["tests/test_check_gaps.py"]),
    ("check skips the workbook", "generator/site/check.py",
     "return workbook_reader_view(published) == workbook_reader_view(expected)", "return True",
     ["tests/test_check_gaps.py"]),
]


def run_issue_23_table(keep: bool) -> list:
    """Apply each change of ISSUE_23_CHANGES in a scratch copy, run its tests, put the line back: each must fail."""
    workdir = tempfile.mkdtemp(prefix="generator-issue23-")
    results = []
    try:
        _scratch_copy(workdir)
        for name, relative, old, new, tests in ISSUE_23_CHANGES:
            path = os.path.join(workdir, relative)
            with open(path, encoding="utf-8") as handle:
                source = handle.read()
            if source.count(old) != 1:
                raise SystemExit(f"{relative}: the line of '{name}' is not there once; update ISSUE_23_CHANGES")
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(source.replace(old, new))
            try:
                run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests],
                                     cwd=workdir, capture_output=True, text=True)
            finally:
                with open(path, "w", encoding="utf-8") as handle:
                    handle.write(source)
            failed = sorted({line.split(" ")[1].split("[")[0] for line in run.stdout.splitlines()
                             if line.startswith("FAILED ")})
            results.append({"change": name, "caught": run.returncode == 1, "failed": failed})
            print(f"{'caught' if run.returncode == 1 else 'NOT CAUGHT'}: {name}: {', '.join(failed) or run.returncode}")
        return results
    finally:
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)


def _scratch_copy(dest: str) -> None:
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for rel in files.decode("utf-8").split("\0"):
        if not rel or rel.startswith("site/"):
            continue
        src = os.path.join(ROOT, rel)
        if not os.path.isfile(src):
            continue
        os.makedirs(os.path.dirname(os.path.join(dest, rel)) or dest, exist_ok=True)
        shutil.copy2(src, os.path.join(dest, rel))
    # Untracked test files of a working state (a new test not yet committed) count too.
    for name in os.listdir(os.path.join(ROOT, "tests")):
        if name.startswith("test_") and name.endswith(".py"):
            shutil.copy2(os.path.join(ROOT, "tests", name), os.path.join(dest, "tests", name))


# Appended to the scratch copy's tests/conftest.py. mutmut runs each mutant's tests in a process forked from the one
# that ran the clean tests, so whatever that run left in memory is still there: the calc modules' caches
# (functools.lru_cache; the _ESTIMATES, _RULES, _weights_cache, _layout_cache, _breakdown_cache dictionaries)
# answer with the unmutated code's results, and test modules imported then keep module-level values computed without
# the mutant (tests/test_estimator.py's ARCH, read through generator/families). Each session starts from empty caches
# and imports the test modules afresh, so every mutant is seen by the code it changes. (Without this, the forced-fail
# check of the calc.transformers_engine scope failed: every call reached its code through a warm cache.)
FRESH_START = """

def pytest_sessionstart(session):  # benchmarks/mutation.py: every mutant starts from empty caches
    import functools
    import gc
    import os
    import sys
    tests = os.path.dirname(os.path.abspath(__file__))
    MEMOS = {"_ESTIMATES", "_RULES", "_LONGEST"}  # generator/calc/estimator.py, generator/tables/estimates.py
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None) or ""
        if name == "generator" or name.startswith("generator."):
            for key, value in list(vars(module).items()):
                if (key.endswith("_cache") or key in MEMOS) and isinstance(value, dict):
                    value.clear()
        elif path.startswith(tests) and not name.endswith("conftest") and not KEEP_THE_PLAN:
            del sys.modules[name]  # imported again by the collection, with the mutant active
    for value in gc.get_objects():
        if isinstance(value, functools._lru_cache_wrapper):
            module = getattr(value, "__module__", "") or ""
            if module.startswith("generator") or (module in ("conftest", "tests.conftest") and not KEEP_THE_PLAN):
                value.cache_clear()
"""

# Scopes whose modules the site's plan does not use (generator/site/plan.py never calls check.py): their mutants may
# keep the plan the clean run built (conftest.repo_plan, and the test modules' values made from it) instead of building
# it again for each mutant, minutes of each mutant's time on a shared machine.
KEEPS_THE_PLAN = {"check"}


def _config(modules: list[str], tests: list[str], children: int) -> str:
    def toml_list(items):
        return "[" + ", ".join(json.dumps(i) for i in items) + "]"
    deselect = [arg for test in NEEDS_THE_COMMITTED_SITE + RUNS_THE_CLI_ELSEWHERE for arg in ("--deselect", test)]
    return ("\n[tool.mutmut]\n"
            'source_paths = ["generator"]\n'
            f"only_mutate = {toml_list(modules)}\n"
            f"pytest_add_cli_args_test_selection = {toml_list(tests)}\n"
            f"pytest_add_cli_args = {toml_list(['-p', 'no:cacheprovider', '-p', 'no:xdist', '-q', *deselect])}\n"
            'also_copy = ["content", "templates", "examples", "benchmarks", "README.md"]\n'
            "use_git_change_detection = false\n")


def _first_pass(workdir: str) -> str:
    """mutmut's mutants and its map from each function to the tests that call it (a run of no mutant); the map's path."""
    first = subprocess.run([sys.executable, "-m", "mutmut", "run", "__no_such_mutant__"], cwd=workdir,
                           capture_output=True, text=True)
    path = os.path.join(workdir, "mutants", "mutmut-stats.json")
    if not os.path.exists(path):
        sys.stderr.write(first.stdout[-4000:] + first.stderr[-4000:])
        raise SystemExit(f"mutmut's first pass wrote no test map; the scratch copy is {workdir}")
    return path


def _widen_test_selection(workdir: str) -> None:
    """Run mutmut's first pass (mutants and its map from each function to the tests that call it), then widen each
    function's tests to every selected test of the same test files, before the mutants run.

    Why: mutmut maps a function to the tests during which it was called. A module-scoped fixture (tests/
    test_estimator.py's ``validation``, a plan built once per file) calls the code once, during the setup of the first
    test that uses it, so only that test is mapped, and a mutant only the file's other tests notice "survives"
    (seen: calc.validation's seed rate, checked by test_seed_method_figures, survived under the narrow map). A test of
    the same file that fails on a mutant fails because of it (only that mutant is active), so the kill is real."""
    path = _first_pass(workdir)
    with open(path, encoding="utf-8") as handle:
        stats = json.load(handle)
    by_file: dict[str, set] = {}
    for test in stats["duration_by_test"]:
        by_file.setdefault(test.split("::")[0], set()).add(test.removeprefix("mutants/"))
    widened = {}
    for function, tests in stats["tests_by_mangled_function_name"].items():
        files = {test.split("::")[0] for test in tests}
        widened[function] = sorted(set(tests).union(*(by_file.get(f, set()) for f in files)))
    stats["tests_by_mangled_function_name"] = widened
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(stats, handle)


def _exit_codes(folder: str) -> dict[str, int | None]:
    """Each mutant's exit code as mutmut's .meta files under ``folder`` hold it (None: not run yet)."""
    codes: dict[str, int | None] = {}
    for parent, _, files in os.walk(folder):
        for name in files:
            if name.endswith(".meta"):
                with open(os.path.join(parent, name), encoding="utf-8") as handle:
                    codes.update(json.load(handle).get("exit_code_by_key", {}))
    return codes


def _mutant_names(workdir: str) -> list[str]:
    """Every mutant of the scope, from the .meta files mutmut's first pass wrote."""
    return sorted(_exit_codes(os.path.join(workdir, "mutants")))


def _unreached(mutants: str) -> list[str]:
    """The mutants of a kept tree that no selected test reached in its run (mutmut's exit code 33, "no tests")."""
    return sorted(mutant for mutant, code in _exit_codes(os.path.join(mutants, "generator")).items() if code == 33)


def wilson_interval(detected: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% interval of a kill rate measured on a simple random sample of n mutants (Wilson score interval)."""
    if n == 0:
        return (0.0, 100.0)
    p = detected / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * ((p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5) / (1 + z * z / n)
    return (round(max(0.0, 100 * (centre - half)), 1), round(min(100.0, 100 * (centre + half)), 1))


def _results(workdir: str) -> dict[str, object]:
    from collections import Counter

    from mutmut.stats import status_by_exit_code

    counts: Counter = Counter()
    survivors = []
    for mutant, code in _exit_codes(os.path.join(workdir, "mutants")).items():
        status = status_by_exit_code[code]
        if status == "not checked":  # outside a --sample
            continue
        counts[status] += 1
        if status == "survived":
            survivors.append(mutant)
    return {"counts": dict(counts), "survivors": sorted(survivors)}


def run_scope(name: str, children: int, keep: bool, show: bool, sample: int = 0, seed: int = 0,
              keep_in: str = "") -> dict:
    modules, tests = SCOPES[name]
    tests = [t for t in tests if os.path.exists(os.path.join(ROOT, t))]
    workdir = tempfile.mkdtemp(prefix=f"generator-mutation-{name}-")
    try:
        _scratch_copy(workdir)
        with open(os.path.join(workdir, "pyproject.toml"), "a", encoding="utf-8") as handle:
            handle.write(_config(modules, tests, children))
        with open(os.path.join(workdir, "tests", "conftest.py"), "a", encoding="utf-8") as handle:
            handle.write(f"\n\nKEEP_THE_PLAN = {name in KEEPS_THE_PLAN}" + FRESH_START)
        started = time.monotonic()
        if name not in KEEPS_THE_PLAN:  # there the code under test runs inside each test: the map is exact
            _widen_test_selection(workdir)
        chosen: list[str] = []
        if sample:
            if name in KEEPS_THE_PLAN:
                _first_pass(workdir)
            everything = _mutant_names(workdir)
            chosen = sorted(random.Random(seed).sample(everything, min(sample, len(everything))))
            sampled = {"of": len(everything), "n": len(chosen), "seed": seed}
        run = subprocess.run([sys.executable, "-m", "mutmut", "run", "--max-children", str(children), *chosen],
                             cwd=workdir, capture_output=True, text=True)
        seconds = time.monotonic() - started
        if run.returncode != 0:
            sys.stderr.write(run.stdout[-4000:] + run.stderr[-4000:])
            raise SystemExit(f"mutmut failed on scope {name} (exit {run.returncode}); the scratch copy is {workdir}")
        result = _results(workdir)
        counts = result["counts"]
        total = sum(counts.values())
        detected = counts.get("killed", 0) + counts.get("timeout", 0)
        finished = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        result.update(scope=name, modules=modules, tests=tests, seconds=round(seconds), finished=finished,
                      kill_rate=round(100 * detected / total, 1) if total else None)
        if sample:
            sampled["kill_rate_95pct_interval"] = list(wilson_interval(detected, total))
            result["sample"] = sampled
        print(f"{name}: {total} mutants{f' (a random sample of {sampled}) ' if sample else ''}, {counts} -> "
              f"kill rate {result['kill_rate']}% in {seconds:.0f} s")
        for mutant in result["survivors"]:
            why = SURVIVORS_EXPLAINED.get(mutant, "NOT EXPLAINED: add a test or explain it in SURVIVORS_EXPLAINED")
            print(f"  survived {mutant}: {why}")
            if show:
                print(subprocess.run([sys.executable, "-m", "mutmut", "show", mutant], cwd=workdir,
                                     capture_output=True, text=True).stdout)
        return result
    finally:
        if keep_in:  # mutmut's tree, to rerun survivors by hand (MUTANT_UNDER_TEST=NAME python -m pytest ...)
            shutil.copytree(workdir, os.path.join(keep_in, name), dirs_exist_ok=True)
        if keep:
            print(f"  scratch copy kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def recheck(name: str, tree: str, results_path: str, tests: list[str], children: int = 1) -> dict:
    """Rerun the survivors recorded for scope ``name`` against the tests as they are now, one by one, in the mutmut
    tree a run kept (--keep-in): each mutant is switched on with MUTANT_UNDER_TEST and ``tests`` (default: the
    scope's selection) run in a fresh process (``children`` at once); a failing run kills it. For the tests added
    after a run, without the hours of a new one. The clean code must pass first."""
    import yaml

    with open(results_path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    entry = data.get("scopes", {}).get(name)
    if not entry:
        raise SystemExit(f"no recorded run of {name} in {results_path}")
    mutants = os.path.join(tree, name, "mutants")
    if not os.path.isdir(mutants):
        raise SystemExit(f"no mutmut tree at {mutants}: run the scope with --keep-in {tree}")
    shutil.copytree(os.path.join(ROOT, "tests"), os.path.join(mutants, "tests"), dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__", "conftest.py"))
    tests = [t for t in (tests or SCOPES[name][1]) if os.path.exists(os.path.join(mutants, t))]
    deselect = [arg for test in NEEDS_THE_COMMITTED_SITE + RUNS_THE_CLI_ELSEWHERE for arg in ("--deselect", test)]

    def fails(mutant: str) -> bool:
        env = dict(os.environ, MUTANT_UNDER_TEST=mutant)
        return subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "-p", "no:xdist",
                               *deselect, *tests], cwd=mutants, env=env, capture_output=True).returncode != 0

    if fails(""):
        raise SystemExit(f"the clean code fails {' '.join(tests)} in {mutants}")
    # The mutants no selected test reached ("no tests") count as not killed in the run: a test added since may reach
    # them, so they are rerun too (the tree's .meta files name them: mutmut's exit code 33).
    unreached = _unreached(mutants)
    survivors = sorted(set(entry.get("survivors", {})) | set(unreached))
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max(1, children)) as pool:
        verdicts = list(pool.map(fails, survivors))
    still = [m for m, killed in zip(survivors, verdicts) if not killed]
    result = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "tests": tests,
              "rerun": len(survivors), "of_them_no_tests_in_the_run": len(unreached),
              "killed_now": len(survivors) - len(still),
              "still_surviving": {m: SURVIVORS_EXPLAINED.get(m, "NOT EXPLAINED") for m in still}}
    detected = entry["killed"] + entry["timeouts"] + result["killed_now"]
    result["kill_rate_pct_now"] = round(100 * detected / entry["mutants"], 1)
    print(f"{name}: {result['killed_now']} of {len(survivors)} survivors killed by the tests as they are now -> "
          f"{result['kill_rate_pct_now']}% of {entry['mutants']}; {len(still)} still survive")
    for mutant, why in result["still_surviving"].items():
        print(f"  survived {mutant}: {why}")
    entry["recheck"] = result
    combine(data)
    with open(results_path, "w", encoding="utf-8") as handle:
        yaml.safe_dump(data, handle, sort_keys=True, allow_unicode=True, width=120)
    return result


def relabel(results_path: str) -> list[str]:
    """Refresh the recorded survivors' explanations from SURVIVORS_EXPLAINED as it is now (after a survivor was
    explained, or a rerun renumbered it); a survivor a --recheck killed says so. Returns those still unexplained."""
    import yaml

    with open(results_path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    unexplained = []
    for entry in data.get("scopes", {}).values():
        recheck = entry.get("recheck")
        still = recheck.get("still_surviving", {}) if recheck else None
        for mutant in entry.get("survivors", {}):
            if still is not None and mutant not in still:
                why = f"killed since: --recheck {recheck['date']} with {', '.join(recheck['tests'])}"
            else:
                why = SURVIVORS_EXPLAINED.get(mutant, "NOT EXPLAINED")
            entry["survivors"][mutant] = why
        for mutant in still or {}:
            still[mutant] = SURVIVORS_EXPLAINED.get(mutant, "NOT EXPLAINED")
        listed = {**entry.get("survivors", {}), **(still or {})}
        unexplained += [mutant for mutant, why in listed.items() if why == "NOT EXPLAINED"]
    combine(data)
    with open(results_path, "w", encoding="utf-8") as handle:
        yaml.safe_dump(data, handle, sort_keys=True, allow_unicode=True, width=120)
    return sorted(set(unexplained))


def combine(data: dict) -> None:
    """The combined figures over the recorded scopes: the kill rate of the mutants run; the estimate for all their
    mutants (a sampled scope's rate stands for its whole count); and the same after each --recheck, where one ran."""
    scopes = data["scopes"]
    totals = {key: sum(entry[key] for entry in scopes.values())
              for key in ("mutants", "killed", "timeouts", "survived")}
    totals["kill_rate_pct"] = round(100 * (totals["killed"] + totals["timeouts"]) / totals["mutants"], 1)
    whole = {name: entry.get("sample", {}).get("of", entry["mutants"]) for name, entry in scopes.items()}
    totals["mutants_in_scopes"] = sum(whole.values())
    totals["estimated_kill_rate_pct_all_mutants"] = round(
        sum(entry["kill_rate_pct"] * whole[name] for name, entry in scopes.items()) / sum(whole.values()), 1)
    totals["estimated_kill_rate_pct_after_rechecks"] = round(
        sum(entry.get("recheck", {}).get("kill_rate_pct_now", entry["kill_rate_pct"]) * whole[name]
            for name, entry in scopes.items()) / sum(whole.values()), 1)
    totals["sampled_scopes"] = sorted(name for name, entry in scopes.items() if "sample" in entry)
    totals["rechecked_scopes"] = sorted(name for name, entry in scopes.items() if "recheck" in entry)
    data["combined"] = {"scopes": sorted(scopes), **totals}


def record(path: str, results: list, machine: str) -> None:
    """Merge each scope's result into the YAML data file ``path`` (benchmarks/mutation-results.yaml): one entry per
    scope, the latest run replacing an earlier one, with the date, the machine and mutmut's version."""
    import datetime
    import platform
    from importlib.metadata import version

    import yaml

    data = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle) or {}
    scopes = data.setdefault("scopes", {})
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    for result in results:
        counts = result["counts"]
        scopes[result["scope"]] = {
            "date": result.get("finished") or now,
            "machine": machine or f"{platform.node()}, {os.cpu_count()} cores",
            "mutmut": version("mutmut"),
            "modules": result["modules"], "tests": result["tests"],
            "mutants": sum(counts.values()), "killed": counts.get("killed", 0),
            "survived": counts.get("survived", 0), "timeouts": counts.get("timeout", 0),
            "no_tests": counts.get("no tests", 0),
            "other": {k: v for k, v in counts.items() if k not in ("killed", "survived", "timeout", "no tests")},
            "kill_rate_pct": result["kill_rate"], "minutes": round(result["seconds"] / 60, 1),
            "survivors": {name: SURVIVORS_EXPLAINED.get(name, "NOT EXPLAINED") for name in result["survivors"]},
        }
        if result.get("note"):
            scopes[result["scope"]]["note"] = result["note"]
        if result.get("sample"):
            scopes[result["scope"]]["sample"] = result["sample"]
        else:
            scopes[result["scope"]].pop("sample", None)
    data["about"] = ("benchmarks/mutation.py: mutmut's results per scope (the latest run of each), and the combined "
                     "kill rate (killed + timeouts) / mutants over the scopes listed here; each survivor with why no "
                     "test kills it (SURVIVORS_EXPLAINED)")
    combine(data)
    with open(path, "w", encoding="utf-8") as handle:
        yaml.safe_dump(data, handle, sort_keys=True, allow_unicode=True, width=120)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scopes", nargs="*", metavar="SCOPE", help=f"one or more of {', '.join(SCOPES)} (default: all)")
    parser.add_argument("--children", type=int, default=1, help="parallel mutant workers (default 1)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch copy (to browse with mutmut browse)")
    parser.add_argument("--show", action="store_true", help="print each survivor's diff")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--record", metavar="YAML",
                        help="merge each scope's result into this data file (benchmarks/mutation-results.yaml)")
    parser.add_argument("--machine", default="", help="the machine's description for --record")
    parser.add_argument("--sample", type=int, default=0, metavar="N",
                        help="run a seeded random sample of N mutants per scope (its kill rate with a 95%% interval)")
    parser.add_argument("--seed", type=int, default=0, help="the sample's seed (default 0)")
    parser.add_argument("--keep-in", default="", metavar="DIR",
                        help="copy each scope's mutmut tree to DIR/SCOPE, to rerun its survivors by hand")
    parser.add_argument("--recheck", metavar="TREE",
                        help="instead: rerun the survivors --record wrote for each SCOPE against today's tests, in the "
                             "mutmut tree TREE/SCOPE a run kept with --keep-in TREE; the results go to --record's file")
    parser.add_argument("--tests", action="append", default=[], metavar="FILE",
                        help="with --recheck: only this test file (repeat for more)")
    parser.add_argument("--relabel", action="store_true",
                        help="with --record: refresh the recorded survivors' explanations from SURVIVORS_EXPLAINED")
    parser.add_argument("--issue-23", action="store_true",
                        help="instead: apply each one-line change of issue 23's table and check a fast test fails")
    args = parser.parse_args(argv)
    if args.issue_23:
        results = run_issue_23_table(args.keep)
        if args.json:
            with open(args.json, "w", encoding="utf-8") as handle:
                json.dump(results, handle, indent=2, sort_keys=True)
        return 0 if all(r["caught"] for r in results) else 1
    unknown = [name for name in args.scopes if name not in SCOPES]
    if unknown:
        parser.error(f"unknown scope {', '.join(unknown)}: use one of {', '.join(SCOPES)}")
    if args.relabel:
        if not args.record:
            parser.error("--relabel needs --record YAML")
        unexplained = relabel(args.record)
        for mutant in unexplained:
            print(f"NOT EXPLAINED: {mutant}")
        print(f"{args.record}: explanations refreshed, {len(unexplained)} survivors not explained")
        return 1 if unexplained else 0
    if args.recheck:
        if not args.record or not args.scopes:
            parser.error("--recheck needs --record YAML and one or more SCOPE names")
        for name in args.scopes:
            recheck(name, args.recheck, args.record, args.tests, args.children)
        return 0
    results = [run_scope(name, args.children, args.keep, args.show, args.sample, args.seed, args.keep_in)
               for name in (args.scopes or list(SCOPES))]
    if args.record:
        record(args.record, results, args.machine)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(results, handle, indent=2, sort_keys=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
