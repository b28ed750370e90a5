"""tools/package and the .deb it builds: control fields, contents, dependencies that
cover every shared library, and a real install on this machine (root): the user and
directories, nothing started, the installed binary run as the rollcall user with the
unit's command line serving the installed web app, then a purge that removes the
package and keeps the data and the user. Whatever happens, the test purges the
package and removes what it created (the user, /var/lib/rollcall) in `finally`.

The package is built from an existing release tree when one is set up with prefix
/usr and sysconfdir /etc (ROLLCALL_PACKAGE_BUILD_DIR, the tree of ROLLCALL_BIN,
build/release); otherwise tools/package sets up and compiles build/package-tree,
which takes minutes the first time."""
from __future__ import annotations

import fcntl
import grp
import json
import os
import pathlib
import pwd
import re
import shutil
import stat
import subprocess
import time

import pytest

from integration_conftest import ROLLCALL_BIN
from service_helpers import (EXAMPLE_CONF, INSTALLED_BIN, INSTALLED_CONF, SOURCE_ROOT, UNIT,
                             CommandServer, exec_start_argv)

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="installs a .deb: needs root"),
    pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="dpkg-deb is missing"),
]

DATA_DIR = pathlib.Path("/var/lib/rollcall")
UNIT_PATH = pathlib.Path("/usr/lib/systemd/system/rollcall.service")
WEB_DIR = pathlib.Path("/usr/share/rollcall/web")
# Part of every Debian system (Priority: required): not listed in Depends.
BASE_LIBRARY_PACKAGES = {"libc6", "libstdc++6", "libgcc-s1"}
# Another worktree's run of this test would install the same package: one at a time.
LOCK_PATH = "/run/lock/rollcall-package-test.lock"
LOCK_WAIT_S = 600.0


def run(*args: str, timeout: float = 120.0, check: bool = True) -> subprocess.CompletedProcess:
    p = subprocess.run(list(args), capture_output=True, text=True, timeout=timeout,
                       stdin=subprocess.DEVNULL)
    if check:
        assert p.returncode == 0, p
    return p


def meson_options(build_dir: pathlib.Path) -> dict:
    p = run("meson", "introspect", str(build_dir), "--buildoptions", check=False)
    return {o["name"]: o["value"] for o in json.loads(p.stdout)} if p.returncode == 0 else {}


def packageable(build_dir: pathlib.Path) -> bool:
    if not (build_dir / "build.ninja").is_file():
        return False
    o = meson_options(build_dir)
    return (o.get("prefix") == "/usr" and o.get("sysconfdir") == "/etc"
            and o.get("buildtype") == "release" and o.get("b_sanitize") == "none")


def package_build_dir() -> pathlib.Path:
    if os.environ.get("ROLLCALL_PACKAGE_BUILD_DIR"):
        return pathlib.Path(os.environ["ROLLCALL_PACKAGE_BUILD_DIR"])
    for candidate in (ROLLCALL_BIN.parent, SOURCE_ROOT / "build" / "release"):
        if packageable(candidate):
            return candidate
    return SOURCE_ROOT / "build" / "package-tree"


@pytest.fixture(scope="module")
def deb(tmp_path_factory) -> pathlib.Path:
    out = tmp_path_factory.mktemp("package")
    build_dir = package_build_dir()
    started = time.monotonic()
    p = run(str(SOURCE_ROOT / "tools" / "package"), "--build-dir", str(build_dir), "--out", str(out),
            timeout=3600)
    took = time.monotonic() - started
    print(f"tools/package --build-dir {build_dir}: {took:.1f} s")
    path = pathlib.Path(p.stdout.strip().splitlines()[-1])
    assert path.parent == out and path.is_file(), p
    version = run(str(ROLLCALL_BIN), "--version").stdout.split()[1]
    arch = run("dpkg", "--print-architecture").stdout.strip()
    assert path.name == f"rollcall_{version}_{arch}.deb", path
    return path


def control_fields(deb_path: pathlib.Path) -> dict[str, str]:
    text = run("dpkg-deb", "-f", str(deb_path)).stdout
    fields: dict[str, str] = {}
    key = None
    for line in text.splitlines():
        if line.startswith(" ") and key:
            fields[key] += "\n" + line
        else:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return fields


def depends_of(deb_path: pathlib.Path) -> set[str]:
    return {d.strip().split()[0] for d in control_fields(deb_path)["Depends"].split(",")}


def library_packages(binary: pathlib.Path) -> dict[str, str]:
    """{file name of each shared library ldd resolves for `binary`: the Debian package
    holding it} (one dpkg -S for all: it takes a while per call)."""
    paths = []
    for line in run("ldd", str(binary)).stdout.splitlines():
        parts = line.split()
        path = parts[2] if len(parts) > 2 and parts[1] == "=>" else parts[0]
        if path.startswith("/"):  # not linux-vdso
            paths.append(path)
    # dpkg knows a merged-/usr file under one of its names.
    variants = {p: [p, os.path.realpath(p), "/usr" + p, p.removeprefix("/usr")] for p in paths}
    listing = run("dpkg", "-S", *sorted({v for vs in variants.values() for v in vs}), check=False)
    owner_of = {}
    for line in listing.stdout.splitlines():
        owners, _, path = line.rpartition(": ")
        owner_of[path] = owners.split(",")[0].split(":")[0].strip()
    out = {}
    for path, names in variants.items():
        owner = next((owner_of[v] for v in names if v in owner_of), None)
        assert owner, f"no Debian package holds {path}"
        out[pathlib.Path(path).name] = owner
    return out


def needed(binary: pathlib.Path) -> list[str]:
    """The libraries `binary` links directly (its dynamic section's NEEDED)."""
    text = run("readelf", "-d", str(binary)).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", text)


def dependency_closure(packages: set[str]) -> set[str]:
    """`packages` and everything they depend on, as installed here (dpkg-query)."""
    listing = run("dpkg-query", "-W", "-f=${Package}\t${Depends},${Pre-Depends}\n").stdout
    depends_of_pkg: dict[str, set[str]] = {}
    for line in listing.splitlines():
        pkg, _, deps = line.partition("\t")
        names = {opt.strip().split(" ")[0].split(":")[0] for alt in deps.split(",") for opt in alt.split("|")}
        depends_of_pkg.setdefault(pkg, set()).update(n for n in names if n)
    seen: set[str] = set()
    todo = list(packages)
    while todo:
        pkg = todo.pop()
        if pkg not in seen:
            seen.add(pkg)
            todo.extend(depends_of_pkg.get(pkg, ()))
    return seen


def test_control_fields(deb):
    f = control_fields(deb)
    assert f["Package"] == "rollcall"
    assert f["Version"] == run(str(ROLLCALL_BIN), "--version").stdout.split()[1]
    assert f["Architecture"] == run("dpkg", "--print-architecture").stdout.strip()
    assert f["Maintainer"] and f["Description"], f
    assert int(f["Installed-Size"]) > 0
    depends = depends_of(deb)
    assert "adduser" in depends  # the postinst creates the user with it
    for lib in ("liburing2", "libsodium23", "libqrencode4", "libssl3", "libcurl4"):
        assert lib in depends, (lib, depends)
    info = run("dpkg-deb", "-I", str(deb)).stdout
    for script in ("postinst", "prerm", "postrm", "conffiles"):
        assert re.search(rf"^\s+\d+ bytes,\s+\d+ lines\s+\*?\s*{script}\b", info, re.M), (script, info)
    extracted = deb.parent / "control"
    run("dpkg-deb", "-e", str(deb), str(extracted))
    assert (extracted / "conffiles").read_text().split() == [INSTALLED_CONF]


def test_contents(deb):
    listing = run("dpkg-deb", "-c", str(deb)).stdout.splitlines()
    entries = {}
    for line in listing:
        parts = line.split()
        entries[parts[5].removeprefix(".")] = (parts[0], parts[1])
    assert entries[INSTALLED_BIN] == ("-rwxr-xr-x", "root/root"), entries.get(INSTALLED_BIN)
    assert entries[str(UNIT_PATH)] == ("-rw-r--r--", "root/root")
    assert entries[INSTALLED_CONF] == ("-rw-r--r--", "root/root")
    assert entries[str(WEB_DIR / "index.html")][1] == "root/root"
    assets = [p for p in entries if p.startswith(str(WEB_DIR / "assets") + "/") and not p.endswith("/")]
    assert any(p.endswith(".js") for p in assets), assets
    assert all(owner == "root/root" for _, owner in entries.values())


def test_every_shared_library_is_a_dependency(deb, tmp_path):
    root = tmp_path / "root"
    run("dpkg-deb", "-x", str(deb), str(root))
    binary = root / INSTALLED_BIN.lstrip("/")
    owners = library_packages(binary)
    depends = depends_of(deb)
    direct = {lib: owners[lib] for lib in needed(binary)}
    assert "liburing.so.2" in direct, direct
    missing = {lib: pkg for lib, pkg in direct.items() if pkg not in depends}
    assert not missing, f"libraries the binary links whose package is not in Depends: {missing}"
    # Those packages bring the rest of what ldd loads (libcurl's libnghttp2, ...).
    closure = dependency_closure(depends) | BASE_LIBRARY_PACKAGES
    uncovered = {lib: pkg for lib, pkg in owners.items() if pkg not in closure}
    assert not uncovered, f"libraries ldd loads that no dependency brings: {uncovered}"


# -- installing it here -----------------------------------------------------------------
class MachineState:
    """What existed before the install, so that cleaning up removes only what the
    test (the package) created."""

    def __init__(self):
        self.user_existed = user_exists("rollcall")
        self.group_existed = group_exists("rollcall")
        self.data_dir_existed = DATA_DIR.exists()


def user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def group_exists(name: str) -> bool:
    try:
        grp.getgrnam(name)
        return True
    except KeyError:
        return False


def package_status() -> str:
    p = run("dpkg-query", "-W", "-f=${Status}", "rollcall", check=False)
    return p.stdout.strip() if p.returncode == 0 else "not-installed"


def rollcall_processes() -> list[int]:
    """Processes running the installed binary."""
    pids = []
    for entry in pathlib.Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.readlink(entry / "exe") == INSTALLED_BIN:
                    pids.append(int(entry.name))
            except OSError:
                pass
    return pids


@pytest.fixture
def machine_lock():
    fd = os.open(LOCK_PATH, os.O_RDWR | os.O_CREAT, 0o600)
    deadline = time.monotonic() + LOCK_WAIT_S
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    pytest.fail(f"{LOCK_PATH} held for {LOCK_WAIT_S} s by another package test")
                time.sleep(0.2)
        yield
    finally:
        os.close(fd)


def clean_up(before: MachineState, server: CommandServer | None) -> None:
    if server is not None:
        server.ensure_stopped()
    if package_status() != "not-installed":
        run("dpkg", "--purge", "rollcall", check=False)
    if not before.data_dir_existed and DATA_DIR.exists():
        shutil.rmtree(DATA_DIR)
    if not before.user_existed and user_exists("rollcall"):
        run("deluser", "--system", "--quiet", "rollcall", check=False)
    if not before.group_existed and group_exists("rollcall"):
        run("delgroup", "--system", "--quiet", "rollcall", check=False)


def test_install_start_purge(deb, machine_lock, tmp_path):
    if package_status() != "not-installed" or os.path.exists(INSTALLED_BIN):
        pytest.skip(f"rollcall is installed on this machine ({package_status()}): not touching it")
    if DATA_DIR.exists():
        pytest.skip(f"{DATA_DIR} exists (data of an earlier install?): not touching it")
    before = MachineState()
    server = None
    try:
        p = run("dpkg", "-i", str(deb))
        assert "installed, not started" in p.stdout, p.stdout
        check_installed(before)
        assert rollcall_processes() == [], "installing started rollcall"
        assert not pathlib.Path("/etc/systemd/system/multi-user.target.wants/rollcall.service").exists()

        argv = exec_start_argv(UNIT_PATH) + ["--listen", "127.0.0.1:0"]
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"}  # as systemd's
        server = CommandServer(argv, tmp_path / "stderr.log", env, cwd=DATA_DIR, data_dir=DATA_DIR,
                               user="rollcall")
        server.wait_listening()
        server.wait_ready()
        check_serving(server)
        assert server.stop() == 0, server.stderr_text()
        check_data_dir_after_run()

        p = run("dpkg", "--purge", "rollcall")
        assert "Kept the data in /var/lib/rollcall" in p.stdout, p.stdout
        check_purged()
    finally:
        clean_up(before, server)
    assert package_status() == "not-installed"


def check_installed(before: MachineState) -> None:
    assert package_status() == "install ok installed"
    user = pwd.getpwnam("rollcall")
    if not before.user_existed:
        assert user.pw_uid < 1000, user  # a system user
        assert user.pw_dir == str(DATA_DIR), user
        assert user.pw_shell in ("/usr/sbin/nologin", "/sbin/nologin", "/bin/false"), user
    group = grp.getgrnam("rollcall")
    assert user.pw_gid == group.gr_gid
    st = DATA_DIR.stat()
    assert stat.S_ISDIR(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o750, oct(st.st_mode)
    assert (st.st_uid, st.st_gid) == (user.pw_uid, group.gr_gid)
    for path, mode in ((INSTALLED_BIN, 0o755), (INSTALLED_CONF, 0o644), (str(UNIT_PATH), 0o644)):
        st = os.stat(path)
        assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (0, 0, mode), (path, st)
    assert pathlib.Path(INSTALLED_CONF).read_bytes() == EXAMPLE_CONF.read_bytes()
    assert UNIT_PATH.read_bytes() == UNIT.read_bytes()
    assert (WEB_DIR / "index.html").read_bytes() == (SOURCE_ROOT / "web" / "dist" / "index.html").read_bytes()


def check_serving(server: CommandServer) -> None:
    started = server.log_events("started")
    assert len(started) == 1, server.stderr_text()
    assert started[0]["web_dir"] == str(WEB_DIR), started
    assert started[0]["data_dir"] == str(DATA_DIR), started
    r = server.get("/")
    assert r.status == 200, r
    assert r.body == (WEB_DIR / "index.html").read_bytes()
    asset = next(p for p in sorted((WEB_DIR / "assets").iterdir()) if p.suffix == ".js")
    r = server.get(f"/assets/{asset.name}")
    assert r.status == 200 and r.body == asset.read_bytes(), r
    assert server.get("/readyz").status == 200


def check_data_dir_after_run() -> None:
    user = pwd.getpwnam("rollcall")
    files = list(DATA_DIR.rglob("*"))
    assert files, "the server wrote nothing into its data directory"
    for f in files:
        st = f.lstat()
        assert st.st_uid == user.pw_uid, f"{f} is owned by uid {st.st_uid}, not rollcall"


def check_purged() -> None:
    assert package_status() == "not-installed"
    for gone in (INSTALLED_BIN, str(UNIT_PATH), INSTALLED_CONF, "/etc/rollcall", str(WEB_DIR)):
        assert not os.path.exists(gone), f"{gone} is still there after purge"
    # Kept on purge (deploy/debian/postrm): the attendance data and its owner.
    assert user_exists("rollcall")
    assert DATA_DIR.is_dir() and any(DATA_DIR.iterdir())
