"""The generator as a plugin of an existing blog: its settings, engine adapters, and a writer that owns only its own
files.

engines.py        the adapters per engine (Jekyll, Hugo, MkDocs, Hexo): where each reads posts and serves files
config.py         a blog's settings, _generator/config.yml (a generator.yml from before is still read)
plan.py           the blog's build plan: each post source rendered into its engine's posts folder
write.py          write the plan into the blog: only files the generator owns (the .generator-manifest)
check.py          ``check --blog``: every owned file and table cell against a fresh build
mkdocs_plugin.py  the native MkDocs plugin (``plugins: [vram-tables]``): calls rendered during ``mkdocs build``

May import: everything below it (core up to site); not cli."""
