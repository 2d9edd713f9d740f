// Package auth signs people in and keeps them signed in: password login
// with throttling, server-side sessions, short-lived access JWTs and rotating
// refresh JWTs with reuse detection, logout, the caller's session list, social
// login through any OpenID Connect provider, and the middleware that turns a
// token into the request's principal.
//
// This file is the module's whole surface for other modules, and it is
// empty: no module calls auth. Auth implements the accounts module's
// SessionRevoker (Module.Sessions, bound by the app), and reads users
// through accounts.Directory.
package auth
