"""The ceiling for bench/signin.py: a bare Flask app served by the same gunicorn configuration."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "hello"


@app.get("/healthz")
def healthz():
    return "ok"
