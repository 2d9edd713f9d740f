// Package credential issues Open Badges 3.0 credentials (OpenBadgeCredential,
// VC Data Model 2.0) as VC-JWT signed with Ed25519 ("alg":"EdDSA"), publishes
// the issuer's keys (JWKS, did:web document, OB3 issuer Profile), and encodes
// W3C Bitstring Status Lists for revocation.
//
// It is pure: no database, no HTTP. The certificates module owns storage,
// routes and the key file's location; this package only builds and signs.
//
// The issuer is identified by a did:web DID derived from the base URL, and the
// "kid" of every token is that DID plus "#" and the RFC 7638 thumbprint of the
// public key, so a verifier resolves the DID document (or the JWKS) and finds
// the key by its id. Tokens carry only "alg", "kid" and "typ" in their header
// (OB3 integrity §VC-JWT: no other headers, never an embedded key).
package credential
