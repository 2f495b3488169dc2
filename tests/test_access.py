"""Who may change the data: read-only unless a passphrase is configured and typed this session."""

from __future__ import annotations

from positions.access import (
    PASSPHRASE_ENV,
    SECRET_KEY,
    access,
    configured_passphrase,
    passphrase_matches,
    unlock_token,
)

SECRET = "correct horse battery staple"


def test_locked_by_default() -> None:
    configured = configured_passphrase({PASSPHRASE_ENV: SECRET})
    assert configured == SECRET
    state = access(configured, None)
    assert state.configured and not state.unlocked and not state.can_edit


def test_wrong_passphrase_stays_locked() -> None:
    for typed in ("", "correct horse", SECRET + " ", SECRET.upper(), None):
        assert not passphrase_matches(SECRET, typed)
    # A token made from another passphrase (or any made-up value) unlocks nothing.
    assert not access(SECRET, unlock_token("guess")).can_edit
    assert not access(SECRET, "true").can_edit
    assert not access(SECRET, True).can_edit


def test_right_passphrase_unlocks() -> None:
    assert passphrase_matches(SECRET, SECRET)
    assert access(SECRET, unlock_token(SECRET)).can_edit


def test_rotating_the_passphrase_locks_open_sessions() -> None:
    token = unlock_token(SECRET)
    assert not access("a new passphrase", token).can_edit


def test_no_passphrase_configured_makes_editing_impossible() -> None:
    for environ, secrets in (({}, None), ({}, {}), ({PASSPHRASE_ENV: "   "}, {SECRET_KEY: ""}), ({}, {SECRET_KEY: 42})):
        configured = configured_passphrase(environ, secrets)
        assert configured is None
        # Not even an empty typed passphrase or a token of the empty passphrase gets in.
        assert not passphrase_matches(configured, "")
        assert not access(configured, unlock_token("")).can_edit
        assert not access(configured, unlock_token("")).configured


def test_secrets_are_read_and_the_environment_wins() -> None:
    assert configured_passphrase({}, {SECRET_KEY: SECRET}) == SECRET
    assert configured_passphrase({PASSPHRASE_ENV: "from-env"}, {SECRET_KEY: SECRET}) == "from-env"


def test_non_ascii_passphrases_compare() -> None:
    assert passphrase_matches("пароль-ключ", "пароль-ключ")
    assert not passphrase_matches("пароль-ключ", "пароль-ключи")
