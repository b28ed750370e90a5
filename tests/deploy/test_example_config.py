"""deploy/rollcall.conf, the example config the package installs as
/etc/rollcall/rollcall.conf: it names every serve flag (a new flag cannot be
forgotten), each commented-out default is the binary's own, and the file parses
as shipped and with every commented-out default switched on."""
from __future__ import annotations

import collections

from service_helpers import (EXAMPLE_CONF, CommandServer, base_env, config_keys, literal_default,
                             serve_flags)

# What a district sets, active in the file as shipped.
DISTRICT_KEYS = {"data-dir", "listen", "public-url", "trusted-proxy", "push-contact"}


def test_every_serve_flag_is_in_the_example(rollcall_bin):
    flags = serve_flags(rollcall_bin)
    assert "listen" in flags and "max-connections" in flags, flags  # the parse itself works
    keys = {k for k, _, _, _ in config_keys()}
    missing = sorted(set(flags) - {"config"} - keys)
    assert not missing, f"serve flags missing from {EXAMPLE_CONF}: {missing}"
    unknown = sorted(keys - set(flags))
    assert not unknown, f"{EXAMPLE_CONF} names keys that are not serve flags: {unknown}"
    assert "config" not in keys


def test_active_settings_are_the_districts_and_each_appears_once():
    entries = config_keys()
    active = collections.Counter(k for k, _, on, _ in entries if on)
    assert set(active) == DISTRICT_KEYS, active
    values = {k: v for k, v, on, _ in entries if on}
    assert values["listen"] == "127.0.0.1:8080"  # behind the proxy on this machine
    assert values["data-dir"] == "/var/lib/rollcall"  # the unit's StateDirectory
    non_repeatable = [k for k, n in active.items() if n > 1 and k != "trusted-proxy"]
    assert not non_repeatable, non_repeatable
    commented = collections.Counter(k for k, _, on, _ in entries if not on)
    twice = [k for k, n in commented.items() if n > 1]
    assert not twice, f"commented out more than once: {twice}"


def test_commented_defaults_are_the_binarys(rollcall_bin):
    flags = serve_flags(rollcall_bin)
    wrong = {}
    for key, value, active, line in config_keys():
        default = literal_default(flags[key])
        if not active and default is not None and value != default:
            wrong[key] = (line, value, default)
    assert not wrong, f"commented-out values that are not the default (line, file, binary): {wrong}"


def start_with(conf_text: str, tmp_path, rollcall_bin) -> CommandServer:
    conf = tmp_path / "rollcall.conf"
    conf.write_text(conf_text)
    data = tmp_path / "data"
    argv = [str(rollcall_bin), "serve", "--config", str(conf), "--listen", "127.0.0.1:0",
            "--data-dir", str(data)]
    return CommandServer(argv, tmp_path / "stderr.log", base_env(), cwd=tmp_path, data_dir=data)


def test_example_parses_with_every_commented_default_switched_on(tmp_path, rollcall_bin):
    flags = serve_flags(rollcall_bin)
    lines = EXAMPLE_CONF.read_text().splitlines()
    switched = 0
    for key, value, active, line in config_keys():
        if not active and literal_default(flags[key]) == value:
            lines[line - 1] = lines[line - 1][1:]
            switched += 1
    assert switched >= 30, switched  # most defaults are literal
    s = start_with("\n".join(lines) + "\n", tmp_path, rollcall_bin)
    try:
        s.wait_listening()
        assert s.get("/healthz").status == 200
        assert s.stop() == 0, s.stderr_text()
    finally:
        s.ensure_stopped()
