"""Deployment suite (issue 21): rollcall with the real components a district runs
beside it (nginx, haproxy, Prometheus and promtool, systemd-analyze, dpkg-deb),
each started or run by the test itself against the files under deploy/. The
fixtures (server factory, demo district, clients) are the integration suite's.

Run with Debian's interpreter: /usr/bin/python3 -m pytest tests/deploy
"""
from __future__ import annotations

import pathlib
import sys

_INTEGRATION = pathlib.Path(__file__).resolve().parents[1] / "integration"
sys.path.insert(0, str(_INTEGRATION))

import importlib.util  # noqa: E402

# Re-export the integration fixtures (server, shared_server, web_dir, ...), loaded
# under their own module name so that this conftest does not shadow them.
_spec = importlib.util.spec_from_file_location("integration_conftest", _INTEGRATION / "conftest.py")
integration_conftest = importlib.util.module_from_spec(_spec)
sys.modules["integration_conftest"] = integration_conftest
_spec.loader.exec_module(integration_conftest)
from integration_conftest import *  # noqa: E402,F401,F403

DEPLOY_DIR = pathlib.Path(__file__).resolve().parents[2] / "deploy"
