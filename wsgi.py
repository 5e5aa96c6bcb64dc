"""WSGI entry point: ``gunicorn wsgi:app``."""

from participation import create_app
from participation.search_text import warm_up

app = create_app()
# Thai word segmentation loads a dictionary on first use; do it before serving.
warm_up()
# Compile every template before serving (about a second): otherwise the first
# request to each page in each worker waits for it, and so do the requests
# queued behind it (p99 300-450 ms in the benchmark's first seconds).
for _name in app.jinja_env.list_templates():
    app.jinja_env.get_template(_name)
