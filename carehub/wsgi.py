"""WSGI entry point for gunicorn: ``gunicorn carehub.wsgi:app``."""

from carehub import create_app

app = create_app()
