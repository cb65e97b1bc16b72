"""``auth`` service: tokens for credentials, and revoking them."""

from __future__ import annotations

from apiserver.call import Call
from apiserver.registry import Binding
from bll.auth import TokenService


def bindings(tokens: TokenService) -> list[Binding]:
    """Bind the auth handlers to the token service."""

    def login(call: Call) -> dict[str, str]:
        """Return a token for the caller's identity (Basic key:secret or a valid token)."""
        assert call.identity is not None
        return {"token": tokens.issue(call.identity, call.data.get("expiration_sec"))}

    def logout(call: Call) -> dict[str, str]:
        """Revoke the session of the token used for this call."""
        if call.session_id:
            tokens.revoke(call.session_id, call.session_expires)
        return {}

    return [Binding("auth.login", "1.0", login), Binding("auth.logout", "1.0", logout)]
