"""Model ids as people type them: a typed id resolved to the catalogue's, and the closest ids for a typo."""

from __future__ import annotations

import difflib
import re

from generator.core.errors import GeneratorError, program

# -- model ids as people type them ----------------------------------------------------------------------------

# Fine-tuned variants share their base model's architecture, so for memory they are the same model.
_VARIANT_SUFFIXES = ("-instruct", "-chat", "-it", "-hf", "-base")


def _folded(model_id: str) -> str:
    """Case-insensitive, without the Hub organisation ("Qwen/", "meta-llama/")."""
    return model_id.strip().rsplit("/", 1)[-1].casefold()


def _family_key(model_id: str) -> str:
    """The folded id without variant suffixes: Llama-3.1-8B-Instruct and Llama-3.1-8B share one key."""
    key = _folded(model_id)
    changed = True
    while changed:
        changed = False
        for suffix in _VARIANT_SUFFIXES:
            if key.endswith(suffix) and len(key) > len(suffix):
                key, changed = key[: -len(suffix)], True
    return key


def resolve_model_id(text: str, model_ids) -> str | None:
    """The catalogue id that ``text`` names, or None.

    Tried in order: the id itself; the same id in any case and with or without its organisation prefix; then a
    fine-tuned variant (-Instruct, -Chat, -it) mapped to the catalogue's base model or the other way round. A
    variant key that fits two catalogue entries resolves to neither (the caller lists both)."""
    ids = list(model_ids)
    if text in ids:
        return text
    folded = _folded(text)
    same = [m for m in ids if _folded(m) == folded]
    if len(same) == 1:
        return same[0]
    key = _family_key(text)
    related = [m for m in ids if _family_key(m) == key]
    if len(related) == 1:
        return related[0]
    return None


def closest_model_ids(text: str, model_ids, limit: int = 5) -> list[str]:
    """Catalogue ids close to ``text`` (a typo, another size of the same family), best first."""
    ids = sorted(model_ids, key=str.lower)
    keys = {_folded(m): m for m in ids}
    folded = _folded(text)
    close = difflib.get_close_matches(folded, list(keys), n=limit, cutoff=0.6)
    if not close:
        # "llama-3.1-9b" is far from every id as a whole string but shares its family prefix with some.
        stem = re.split(r"[-_.]?\d", _family_key(text), maxsplit=1)[0]
        close = [k for k in keys if stem and k.startswith(stem)][:limit]
    return [keys[k] for k in close]


def unknown_model_error(text: str, model_ids, path: str | None = None, line: int | None = None,
                        problem: str | None = None) -> GeneratorError:
    suggestions = closest_model_ids(text, model_ids)
    shown = text if len(text) <= 80 else text[:77] + "..."
    problem = problem or f"unknown model {shown!r}"
    if suggestions:
        fix = "did you mean " + " or ".join(repr(s) for s in suggestions) + "?"
    else:
        fix = f"give a config.json, a model folder, or a model id (`{program()} models` lists them)"
    return GeneratorError(problem, path, line, fix)
