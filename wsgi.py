"""WSGI entry point: ``gunicorn wsgi:app``."""

from participation import create_app
from participation.search_text import warm_up

app = create_app()
# Thai word segmentation loads a dictionary on first use; do it before serving.
warm_up()
