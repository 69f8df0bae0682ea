"""What Meta's two emulated APIs share (Facebook Pages' Graph API and the Threads API): Graph's
error object and usage headers (`graph.py`). A vendor folder, like `platforms/meta/`: it is
no platform of its own and has no line in the sandbox registry."""
