"""Pure calculations: numbers in, numbers out. No I/O, no YAML, no formatting."""
