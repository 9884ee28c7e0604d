"""Build step of an LLM blog: VRAM tables computed from data, rendered, and verified."""
