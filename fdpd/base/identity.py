"""How fdpd recognises its own registry without sending its token to whatever holds the port.

fdpd sends a random challenge to `GET /fdp/identity?challenge=HEX`; the registry answers with
`proof = HMAC-SHA256(admin key, challenge)`. Only a server that holds the key can compute it.
"""

from __future__ import annotations

import hashlib
import hmac


def identity_proof(key: str, challenge: str) -> str:
    """The proof a registry holding `key` gives for `challenge` (hex HMAC-SHA256)."""
    return hmac.new(key.encode("ascii"), challenge.encode("ascii"), hashlib.sha256).hexdigest()


def proof_matches(key: str, challenge: str, proof: object) -> bool:
    return isinstance(proof, str) and hmac.compare_digest(identity_proof(key, challenge), proof)
