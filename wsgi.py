"""WSGI entry point: ``gunicorn wsgi:app``."""

from participation import create_app

app = create_app()
