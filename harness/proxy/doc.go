// Package proxy is a typed, context-first wrapper over Toxiproxy: the
// network layer of paychaos. It drives a Toxiproxy server through its HTTP
// API, so one code path serves both the in-process server that Embedded
// starts on loopback (the default, no Docker needed) and a remote server
// given by URL (a staging environment, a container).
//
// Toxiproxy is TCP-only: request-level payment faults live in the fake
// provider, never here.
package proxy
