"""The yardstick: the smallest Flask app, served by the same gunicorn in the same benchmark run."""

from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello() -> str:
    return "Hello, World!"
