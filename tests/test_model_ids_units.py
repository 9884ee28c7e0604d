"""generator/families/model_ids.py: model ids as people type them (issue 23, item 7: the survivors and the "no tests"
mutants of benchmarks/mutation.py, scope families.model_ids).

Expected values come from outside the code: the catalogue's ids (content/models.yaml, each the name part of a Hugging
Face repository), real Hugging Face repository ids quoted in the tests (meta-llama/Llama-2-7b-hf and
meta-llama/Llama-2-7b-chat-hf, meta-llama/Llama-3.1-8B and meta-llama/Llama-3.1-8B-Instruct, THUDM/GLM-4-32B-0414,
openai-community/gpt2), and the behaviour the module's docstrings state:
* resolve_model_id: "the id itself; the same id in any case and with or without its organisation prefix; then a
  fine-tuned variant (-Instruct, -Chat, -it) mapped to the catalogue's base model or the other way round. A variant
  key that fits two catalogue entries resolves to neither";
* closest_model_ids: "Catalogue ids close to text (a typo, another size of the same family), best first", at most
  ``limit`` (5 by default, the signature);
* unknown_model_error: one GeneratorError naming the id and the fix (did you mean ..., or what to give instead).
In-process calls only (no chdir, no subprocess), so mutmut's trampoline can run it.
"""

from __future__ import annotations

import os
import sys

import pytest
import yaml

from generator.core.errors import GeneratorError
from generator.families.model_ids import closest_model_ids, resolve_model_id, unknown_model_error

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
with open(os.path.join(ROOT, "content", "models.yaml"), encoding="utf-8") as _handle:
    CATALOGUE = [entry["id"] for entry in yaml.safe_load(_handle)["models"]]


# -- resolve_model_id ---------------------------------------------------------------------------------------------

def test_the_catalogue_has_the_ids_these_tests_name():
    for model_id in ("Qwen2.5-7B-Instruct", "Llama-3.1-8B", "gemma-2-9b", "glm-4-9b-chat", "GLM-5",
                     "gpt-oss-20b", "gpt-oss-120b"):
        assert model_id in CATALOGUE
    # No catalogue id is the Instruct variant of Llama-3.1-8B or the base model of Qwen2.5-7B-Instruct, so each
    # variant key below fits one entry.
    assert "Llama-3.1-8B-Instruct" not in CATALOGUE and "Qwen2.5-7B" not in CATALOGUE


@pytest.mark.parametrize("typed, expected", [
    ("Qwen2.5-7B-Instruct", "Qwen2.5-7B-Instruct"),                 # the id itself
    ("qwen2.5-7b-instruct", "Qwen2.5-7B-Instruct"),                 # any case
    ("QWEN2.5-7B-INSTRUCT", "Qwen2.5-7B-Instruct"),
    ("Qwen/Qwen2.5-7B-Instruct", "Qwen2.5-7B-Instruct"),            # with the Hub organisation
    ("  Qwen/Qwen2.5-7B-Instruct\n", "Qwen2.5-7B-Instruct"),        # as pasted, with blanks around
    ("google/gemma-2-9b", "gemma-2-9b"),
    ("meta-llama/Llama-3.1-8B-Instruct", "Llama-3.1-8B"),           # a fine-tuned variant -> the base model
    ("llama-3.1-8b-instruct", "Llama-3.1-8B"),
    ("Qwen/Qwen2.5-7B", "Qwen2.5-7B-Instruct"),                     # the base model -> the catalogue's variant
    ("google/gemma-2-9b-it", "gemma-2-9b"),
])
def test_a_typed_id_resolves_to_the_catalogue_entry_it_names(typed, expected):
    assert resolve_model_id(typed, CATALOGUE) == expected
    assert resolve_model_id(typed, iter(CATALOGUE)) == expected  # any iterable of ids, read once


def test_the_last_part_of_a_path_is_the_name():
    # Only the name after the last '/' counts: a Hub URL pasted whole names the same model as its id.
    assert resolve_model_id("https://huggingface.co/Qwen/Qwen2.5-7B-Instruct", CATALOGUE) == "Qwen2.5-7B-Instruct"
    assert resolve_model_id("huggingface.co/meta-llama/Llama-3.1-8B-Instruct", CATALOGUE) == "Llama-3.1-8B"


def test_a_typo_or_an_unknown_id_resolves_to_nothing():
    for typed in ("Qwen2.5-7B-Instrukt", "Llama-3.1-9B", "Qwen", "", "-chat", "meta-llama/"):
        assert resolve_model_id(typed, CATALOGUE) is None


def test_the_same_id_in_another_case_wins_over_the_variant_rule():
    # Both real Hub repositories (meta-llama/Llama-3.1-8B and meta-llama/Llama-3.1-8B-Instruct) in one catalogue:
    # the typed id names one of them in another case; the variant key alone would fit both.
    ids = ["Llama-3.1-8B", "Llama-3.1-8B-Instruct"]
    assert resolve_model_id("llama-3.1-8b-instruct", ids) == "Llama-3.1-8B-Instruct"
    assert resolve_model_id("meta-llama/LLAMA-3.1-8B", ids) == "Llama-3.1-8B"
    assert resolve_model_id("llama-3.1-8b-instruct", ids[::-1]) == "Llama-3.1-8B-Instruct"


def test_a_variant_key_that_fits_two_entries_resolves_to_neither():
    # meta-llama/Llama-2-7b, -7b-hf and -7b-chat-hf are all real repositories: "Llama-2-7b" is the base name of the
    # two catalogue entries, so it names neither (the caller lists both).
    assert resolve_model_id("meta-llama/Llama-2-7b", ["Llama-2-7b-hf", "Llama-2-7b-chat-hf"]) is None
    assert resolve_model_id("Llama-2-7b-hf", ["Llama-2-7b-hf", "Llama-2-7b-chat-hf"]) == "Llama-2-7b-hf"


def test_variant_suffixes_are_removed_however_many_and_in_any_order():
    # meta-llama/Llama-2-7b-chat-hf is the chat fine-tune of meta-llama/Llama-2-7b-hf: "-hf" comes after "-chat",
    # so both suffixes go (whatever order the suffix list is tried in) and the key is the base model's.
    assert resolve_model_id("meta-llama/Llama-2-7b-chat-hf", ["Llama-2-7b-hf"]) == "Llama-2-7b-hf"
    assert resolve_model_id("Llama-2-7b-hf", ["Llama-2-7b-chat-hf"]) == "Llama-2-7b-chat-hf"
    assert resolve_model_id("gemma-2-9b-it-base-hf", ["gemma-2-9b"]) == "gemma-2-9b"


def test_a_name_that_is_only_a_suffix_keeps_it():
    # The key strips a suffix only from a longer name: "-chat" is not the chat variant of a model with no name, so
    # it does not meet "-hf" (another empty base name) and each is only itself.
    assert resolve_model_id("-chat", ["-hf"]) is None
    assert resolve_model_id("org/-it", ["-base", "x"]) is None
    assert resolve_model_id("-chat", ["-chat"]) == "-chat"


# -- closest_model_ids --------------------------------------------------------------------------------------------

def test_a_typo_suggests_the_id_it_misspells_first_and_five_at_most():
    # Six or more catalogue ids are a typo away from "Qwen2.5-7B-Instrukt" (the Qwen2.5 family's other sizes), so
    # the default limit of 5 is what stops the list.
    family = [m for m in CATALOGUE if m.startswith("Qwen2.5-") and m.endswith("-Instruct")]
    assert len(family) >= 6
    close = closest_model_ids("Qwen2.5-7B-Instrukt", CATALOGUE)
    assert close[0] == "Qwen2.5-7B-Instruct" and len(close) == 5
    assert set(close) <= set(CATALOGUE) and len(set(close)) == 5
    assert all(m.lower().startswith("qwen2") for m in close)
    assert closest_model_ids("Qwen2.5-7B-Instrukt", CATALOGUE, limit=2)[0] == "Qwen2.5-7B-Instruct"
    assert len(closest_model_ids("Qwen2.5-7B-Instrukt", CATALOGUE, limit=2)) == 2
    assert closest_model_ids("qwen/QWEN2.5-7B-INSTRUKT", CATALOGUE)[0] == "Qwen2.5-7B-Instruct"  # case, organisation
    assert len(closest_model_ids("Qwen2.5-7B-Instrukt", CATALOGUE, limit=7)) == 7


def test_an_id_far_from_all_suggests_the_ids_of_its_family():
    # THUDM/GLM-4-32B-0414 and openai-community/gpt2 are real Hub ids the catalogue lacks; no catalogue id is close
    # to either as a whole, but each shares its family's name (the part before the first number) with some:
    # GLM with glm-4-9b-chat and GLM-5, gpt with gpt-oss-20b and gpt-oss-120b. Listed alphabetically, case ignored
    # (as every comparison of ids here ignores it): glm-4 before GLM-5, gpt-oss-120b before gpt-oss-20b.
    assert closest_model_ids("THUDM/GLM-4-32B-0414", CATALOGUE) == ["glm-4-9b-chat", "GLM-5"]
    assert closest_model_ids("openai-community/gpt2", CATALOGUE) == ["gpt-oss-120b", "gpt-oss-20b"]
    assert closest_model_ids("openai-community/gpt2", CATALOGUE, limit=1) == ["gpt-oss-120b"]
    # The family name is what comes before the first number, with or without a '-', '_' or '.' before it.
    assert closest_model_ids("gpt_2", CATALOGUE) == ["gpt-oss-120b", "gpt-oss-20b"]


def test_the_suggestions_do_not_depend_on_how_ids_are_capitalised():
    # Ids compare case-insensitively, so writing one catalogue id in another case changes only how it is shown.
    for typed in ("THUDM/GLM-4-32B-0414", "Qwen2.5-7B-Instrukt", "openai-community/gpt2", "gemma-2b"):
        plain = closest_model_ids(typed, CATALOGUE)
        lowered = closest_model_ids(typed, [m.lower() for m in CATALOGUE])
        assert [m.lower() for m in plain] == lowered, typed


def test_nothing_close_and_no_family_suggests_nothing():
    assert closest_model_ids("zzz", CATALOGUE) == []
    assert closest_model_ids("7", CATALOGUE) == []            # no family name before the number
    assert closest_model_ids("deepseek-llm-67b-chat", CATALOGUE) == []  # "deepseek-llm": no catalogue id has it
    assert closest_model_ids("anything", []) == []


# -- unknown_model_error ------------------------------------------------------------------------------------------

def test_an_unknown_id_names_itself_and_the_closest_ids():
    error = unknown_model_error("THUDM/GLM-4-32B-0414", CATALOGUE, "post.md", 7)
    assert isinstance(error, GeneratorError)
    assert (error.message, error.path, error.line, error.fix) == (
        "unknown model 'THUDM/GLM-4-32B-0414'", "post.md", 7, "did you mean 'glm-4-9b-chat' or 'GLM-5'?")
    assert str(error) == "post.md:7: unknown model 'THUDM/GLM-4-32B-0414'; did you mean 'glm-4-9b-chat' or 'GLM-5'?"
    one = unknown_model_error("openai-community/gpt2", ["gpt-oss-20b"])
    assert (one.message, one.path, one.line, one.fix) == (
        "unknown model 'openai-community/gpt2'", None, None, "did you mean 'gpt-oss-20b'?")


def test_the_caller_may_word_the_problem():
    error = unknown_model_error("Qwen2.5-7B-Instrukt", CATALOGUE, "a.md", 3, problem="no such model")
    assert error.message == "no such model" and (error.path, error.line) == ("a.md", 3)
    assert error.fix.startswith("did you mean 'Qwen2.5-7B-Instruct' or ")


@pytest.mark.parametrize("argv0, program", [("generator", "generator"), ("/usr/bin/generator", "generator"),
                                            ("/x/generator/__main__.py", "python -m generator")])
def test_with_nothing_close_the_fix_says_what_to_give(monkeypatch, argv0, program):
    # errors.program(): "generator" when started as the installed command, else "python -m generator".
    monkeypatch.setattr(sys, "argv", [argv0])
    error = unknown_model_error("zzz", CATALOGUE, "models.yaml", 2)
    assert (error.message, error.path, error.line) == ("unknown model 'zzz'", "models.yaml", 2)
    assert error.fix == f"give a config.json, a model folder, or a model id (`{program} models` lists them)"


@pytest.mark.parametrize("length, shown", [
    (77, None), (79, None), (80, None),     # up to 80 characters: quoted whole
    (81, 80), (82, 80), (400, 80),          # longer: the first 77 and "...", 80 characters in all
])
def test_a_long_typed_id_is_quoted_cut_to_80_characters(length, shown):
    text = "z" * length
    error = unknown_model_error(text, CATALOGUE)
    expected = text if shown is None else "z" * 77 + "..."
    assert error.message == f"unknown model {expected!r}"
    assert len(expected) == (length if shown is None else shown)
