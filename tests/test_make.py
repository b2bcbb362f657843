"""The Makefile's contract (issue 11, item 15): `PORT=8080 make run` prints links for 8080."""

import os
import shutil
import subprocess

import pytest

from lms import ROOT


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"PORT": "8080"}, "http://127.0.0.1:8080"),
        ({}, "http://127.0.0.1:5000"),
        (
            {"PORT": "8080", "LMS_BASE_URL": "https://kim.example.go.id"},
            "https://kim.example.go.id",
        ),
    ],
)
def test_make_run_derives_the_base_url_from_the_port(env, expected):
    clean = {k: v for k, v in os.environ.items() if k not in ("PORT", "LMS_BASE_URL")}
    result = subprocess.run(
        ["make", "-s", "base-url"], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True
    )
    assert result.stdout.strip() == expected
