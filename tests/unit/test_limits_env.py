"""sandbox.limits (validation, override) and sandbox.env (allow-listed environment)."""

from __future__ import annotations

import dataclasses

import pytest

from sandbox.env import BASE_ENV, sandbox_env
from sandbox.limits import SandboxLimits

# -- limits ------------------------------------------------------------------------------------


def test_defaults_are_valid_and_wire_has_every_field() -> None:
    limits = SandboxLimits()
    wire = limits.as_wire()
    assert set(wire) == {f.name for f in dataclasses.fields(SandboxLimits)}
    assert wire["wall_s"] == limits.wall_s
    assert all(isinstance(v, int) and v > 0 for v in wire.values())


def test_override_changes_only_what_is_given() -> None:
    base = SandboxLimits()
    changed = base.override(wall_s=30, memory_mb=512)
    assert (changed.wall_s, changed.memory_mb) == (30, 512)
    assert dataclasses.replace(changed, wall_s=base.wall_s, memory_mb=base.memory_mb) == base
    assert base.wall_s == SandboxLimits.wall_s  # the original is untouched


def test_override_with_none_keeps_the_limit() -> None:
    base = SandboxLimits(cpu_s=10)
    assert base.override(cpu_s=None, wall_s=None) == base
    assert base.override() == base


@pytest.mark.parametrize("value", [0, -1, 1.5, "10", None])
def test_invalid_limit_is_refused(value: object) -> None:
    with pytest.raises(ValueError, match="memory_mb"):
        SandboxLimits(memory_mb=value)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [0, -5, 2.5])
def test_override_validates(value: object) -> None:
    with pytest.raises(ValueError, match="wall_s"):
        SandboxLimits().override(wall_s=value)  # type: ignore[arg-type]


def test_override_of_unknown_limit_is_refused() -> None:
    with pytest.raises(TypeError):
        SandboxLimits().override(gpu_s=10)


def test_limits_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        SandboxLimits().wall_s = 1  # type: ignore[misc]


# -- env ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "ANTHROPIC_API_KEY",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_PROFILE",
        "REDIS_URL",
        "redis_url",
        "RAY_ADDRESS",
        "GITHUB_TOKEN",
        "DB_PASSWORD",
        "GOOGLE_APPLICATION_CREDENTIALS",
        "my_secret",
        "Anthropic_Base_Url",
        "SSH_PRIVATE_KEY",
    ],
)
def test_secret_looking_names_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match="secret"):
        sandbox_env({name: "x"})


def test_refusal_mentions_no_value() -> None:
    with pytest.raises(ValueError) as info:
        sandbox_env({"ANTHROPIC_API_KEY": "sk-ant-very-secret"})
    assert "sk-ant-very-secret" not in str(info.value)


def test_harmless_names_pass_through() -> None:
    env = sandbox_env({"MANIM_QUALITY": "l", "FOO": "bar"})
    assert env["MANIM_QUALITY"] == "l"
    assert env["FOO"] == "bar"
    assert {k: v for k, v in env.items() if k not in ("MANIM_QUALITY", "FOO")} == BASE_ENV


def test_base_env_is_paranoid_latex() -> None:
    env = sandbox_env()
    assert env["openin_any"] == "p"
    assert env["openout_any"] == "p"
    assert env["shell_escape"] == "f"


def test_base_env_has_no_secrets_and_ignores_the_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-host")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "host-secret")
    monkeypatch.setenv("REDIS_URL", "redis://host")
    env = sandbox_env()
    assert env == BASE_ENV
    assert "sk-host" not in env.values()
    for name in env:
        assert not any(
            w in name.upper() for w in ("KEY", "SECRET", "TOKEN", "PASSWORD", "CREDENTIAL")
        )
        assert not name.upper().startswith(("AWS_", "REDIS", "RAY_", "ANTHROPIC"))
    assert sandbox_env(None) == sandbox_env({}) == BASE_ENV


def test_sandbox_env_returns_a_copy() -> None:
    env = sandbox_env()
    env["PATH"] = "/evil"
    assert BASE_ENV["PATH"] != "/evil"
    assert sandbox_env()["PATH"] == BASE_ENV["PATH"]
