"""Two farms on one machine (issue 21, item 4): one machine-wide uid lease whatever their TMPDIR
or sandbox root, names unique per farm, and cleanup that touches only its own farm."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox import cgroups, farm_id, reap_containers, reap_farm
from sandbox.docker import DEFAULT_IMAGE, FARM_LABEL, LABEL, _container_name, docker_ready
from sandbox.uids import UID_FIRST, UidLease, machine_lease_dir, uid_in_use
from sandbox.warm import hold_state, sandbox_name


def test_leases_are_machine_wide_whatever_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path / "a"))
    monkeypatch.setenv("SCENEFARM_SANDBOX_ROOT", str(tmp_path / "a"))
    first = UidLease()
    monkeypatch.setenv("TMPDIR", str(tmp_path / "b"))
    monkeypatch.setenv("SCENEFARM_SANDBOX_ROOT", str(tmp_path / "b"))
    try:
        second = UidLease()
        try:
            assert first.uid != second.uid
            assert uid_in_use(first.uid) and uid_in_use(second.uid)
        finally:
            second.release()
    finally:
        first.release()
    assert not uid_in_use(first.uid)


def test_the_lease_dir_is_sticky_and_lock_files_are_not_links() -> None:
    path = machine_lease_dir()
    mode = path.stat().st_mode
    assert mode & 0o1000 and path.stat().st_uid in (0, os.geteuid())
    lease = UidLease()
    try:
        assert not (path / f"uid-{lease.uid}.lock").is_symlink()
    finally:
        lease.release()


def test_names_are_unique_per_farm(tmp_path: Path) -> None:
    a, b = farm_id(tmp_path / "a"), farm_id(tmp_path / "b")
    assert a != b and farm_id(tmp_path / "a") == a
    assert sandbox_name(a, UID_FIRST) != sandbox_name(b, UID_FIRST)
    assert _container_name(sandbox_name(a, UID_FIRST)) != _container_name(
        sandbox_name(b, UID_FIRST)
    )


def _free_uid() -> int:
    """A uid of the range that no sandbox holds now (held only while we look)."""
    lease = UidLease()
    lease.release()
    return lease.uid


@pytest.fixture
def other_farm_cgroup(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """An empty cgroup of another farm, for a uid nobody holds (as a dead worker leaves it)."""
    if os.geteuid() != 0:
        pytest.skip("cgroups are made as root only")
    mine, other, uid = farm_id(tmp_path / "mine"), farm_id(tmp_path / "other"), _free_uid()
    made = [cgroups.create(sandbox_name(f, uid), 64, 8) for f in (mine, other)]
    if None in made:
        pytest.skip("no cgroups on this host")
    yield sandbox_name(mine, uid), sandbox_name(other, uid)
    cgroups.remove_stale(sandbox_name(other, uid))


def test_reaping_a_farm_leaves_other_farms_cgroups(
    tmp_path: Path, other_farm_cgroup: tuple[str, str]
) -> None:
    mine, other = other_farm_cgroup
    reap_farm(tmp_path / "mine", timeout_s=10.0)
    names = cgroups.stale_names("sbx-")
    assert mine not in names, "this farm's stale cgroup was kept"
    assert other in names, "another farm's cgroup was removed"


def _need_docker() -> None:
    """Docker answers with the image built: else a skip, or a failure where it is required."""
    reason = docker_ready()
    if reason is not None:
        if os.environ.get("SCENEFARM_REQUIRE_DOCKER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture
def farm_containers(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A created (never started) sandbox container of each of two farms, uid not leased."""
    _need_docker()
    import docker

    client = docker.from_env()
    uid, made = _free_uid(), {}
    for farm in ("mine", "other"):
        fid = farm_id(tmp_path / farm)
        labels = {LABEL: "1", FARM_LABEL: fid, "scenefarm.uid": str(uid)}
        name = f"scenefarm-test-{secrets.token_hex(4)}"
        made[farm] = client.containers.create(DEFAULT_IMAGE, ["true"], name=name, labels=labels).id
    yield made
    for container_id in made.values():
        with contextlib.suppress(docker.errors.NotFound):
            client.containers.get(container_id).remove(force=True)
    client.close()


def _exists(container_id: str) -> bool:
    import docker

    client = docker.from_env()
    try:
        client.containers.get(container_id)
        return True
    except docker.errors.NotFound:
        return False
    finally:
        client.close()


def test_down_removes_only_its_own_farms_containers(
    tmp_path: Path, farm_containers: dict[str, str]
) -> None:
    removed = reap_containers(tmp_path / "mine", timeout_s=10.0)
    assert removed >= 1
    assert not _exists(farm_containers["mine"]), "this farm's leftover container was kept"
    assert _exists(farm_containers["other"]), "another farm's container was removed"


def test_a_dead_sandboxs_dir_is_reaped_though_another_farm_now_leases_its_uid(
    tmp_path: Path,
) -> None:
    """A farm stopped (`scenefarm down`) while another farm on the machine took the uid its
    sandbox had: the dead sandbox's state dir (scene code, tmpfs mounts) was left behind,
    because the reaper took "uid leased" for "sandbox alive"."""
    root = tmp_path / "sandboxes"
    root.mkdir()
    other_farm = UidLease()  # the uid, leased now by someone else
    try:
        dead = root / f"sbx-{other_farm.uid}-dead0000"
        dead.mkdir()
        os.close(hold_state(dead))  # its sandbox's process is gone: nobody holds the lock
        alive = root / f"sbx-{other_farm.uid}-alive000"
        alive.mkdir()
        holding = hold_state(alive)
        try:
            reap_farm(root)
            assert not dead.exists()
            assert alive.exists()  # a live sandbox of this farm is left alone
        finally:
            os.close(holding)
    finally:
        other_farm.release()


def test_an_exited_container_is_reaped_though_another_farm_now_leases_its_uid(
    tmp_path: Path,
) -> None:
    """`scenefarm down` kept an exited sandbox container of its own farm whose uid another
    farm had leased since; the attack suite, leasing that uid next, then counted it."""
    _need_docker()
    import docker

    client = docker.from_env()
    other_farm = UidLease()
    labels = {
        LABEL: "1",
        FARM_LABEL: farm_id(tmp_path / "mine"),
        "scenefarm.uid": str(other_farm.uid),
    }
    container = client.containers.create(
        DEFAULT_IMAGE, ["true"], name=f"scenefarm-test-{secrets.token_hex(4)}", labels=labels
    )
    try:
        container.start()
        container.wait(timeout=60)
        assert reap_containers(tmp_path / "mine", timeout_s=10.0) == 1
        assert not _exists(container.id)
    finally:
        other_farm.release()
        with contextlib.suppress(docker.errors.NotFound):
            container.remove(force=True)
        client.close()
