"""The bare Flask app that HTTP benchmarks compare against: one route, no database, no
extensions. Served by tests/bench/bench_http.py with the same gunicorn settings as the LMS:

    .venv/bin/gunicorn -w 4 --worker-class sync -b 127.0.0.1:8001 tests.bench.hello:app
"""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, Akademi KIM!"
